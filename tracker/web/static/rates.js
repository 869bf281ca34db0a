// Prefill the exchange rate with the rate in force on the rate date, and say which rate it
// is, when the currency or a date changes, unless the user has typed a rate of their own.
// The page carries the rates in force on the date it was shown for (data-rates); for another
// date it asks the server (data-rate-url, /rates/in-force). The server computes the same
// rate for the form's first display and applies it when the field is left empty, so the
// page works without this script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-rate-url]");
  var rate = form && form.querySelector("#rate");
  if (!rate) { return; }
  var rates = JSON.parse(form.getAttribute("data-rates") || "{}");
  var ratesOn = form.getAttribute("data-rates-on");
  var currency = form.querySelector("#currency");
  var described = form.querySelector("#rate-described");
  var dates = (form.getAttribute("data-rate-dates") || "").split(" ").map(function (id) {
    return form.querySelector("#" + id);
  }).filter(Boolean);
  var prefilled = rate.value === "" || rate.getAttribute("data-prefilled") === "true";

  function code() { return currency ? currency.value : form.getAttribute("data-currency"); }

  function day() {
    for (var i = 0; i < dates.length; i += 1) {
      if (dates[i].value) { return dates[i].value; }
    }
    return ratesOn;
  }

  function show(found) {
    if (!prefilled && rate.value !== "") { return; }
    rate.value = found ? found.rate : "";
    if (described) { described.textContent = found ? found.described : "No rate is on file for this date: type one."; }
    prefilled = true;
  }

  function update() {
    var wanted = code();
    var on = day();
    if (wanted === "USD") { show({rate: "1", described: "US$ needs no rate."}); return; }
    if (on === ratesOn) { show(rates[wanted]); return; }
    if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(on)) { return; }
    var url = form.getAttribute("data-rate-url") + "?currency=" + encodeURIComponent(wanted) + "&on=" + on;
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) {
        if (found && found.currency === code() && found.on === day()) { show(found.rate ? found : null); }
      })
      .catch(function () { return null; });
  }

  rate.addEventListener("input", function () { prefilled = rate.value === ""; });
  if (currency) { currency.addEventListener("change", update); }
  dates.forEach(function (input) { input.addEventListener("change", update); });
  if (rate.value === "") { update(); }
})();
