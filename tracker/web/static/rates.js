// Prefill the exchange rate from the rates on file when the currency changes,
// unless the user has typed a rate of their own. The server applies the same
// rule when the field is left empty, so the page works without this script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-rates]");
  if (!form) { return; }
  var rates = JSON.parse(form.getAttribute("data-rates") || "{}");
  var currency = form.querySelector("#currency");
  var rate = form.querySelector("#rate");
  var prefilled = rate.value === "";

  function prefill() {
    if (!prefilled && rate.value !== "") { return; }
    var code = currency.value;
    rate.value = code === "USD" ? "1" : (rates[code] || "");
    prefilled = true;
  }
  rate.addEventListener("input", function () { prefilled = rate.value === ""; });
  currency.addEventListener("change", prefill);
  if (rate.value === "") { prefill(); }
})();
