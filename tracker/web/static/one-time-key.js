// Keep a form's one-time key across the browser's Back button (see tracker/web/saving.py).
//
// When Back fetches a form page again, it comes with a new key, and the browser puts back what
// the person had typed: only into visible kinds of fields, and only those changed since the
// page loaded. So the key is also copied here into a text field kept out of sight; Back puts
// the first key back into it, and sending the form again is recognised as a repeat of the
// first submission (the server prefers this copy), not taken for a new one.
for (const kept of document.querySelectorAll("input[name='kept_submission']")) {
  if (!kept.value) {
    kept.value = kept.dataset.key;
  }
}
