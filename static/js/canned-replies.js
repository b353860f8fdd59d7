// Canned replies on the mediator's case page. "Insert" puts the chosen reply,
// already filled for this case by the server (the JSON below the page), into
// its text box without reloading, after whatever is typed there. Without this
// script the same button reloads the page with the box filled
// (?canned=<id>&into=message), so the page works either way.
(function () {
  "use strict";

  const data = document.getElementById("canned-replies");
  if (!data) return;
  const texts = JSON.parse(data.textContent);

  document.querySelectorAll("[data-canned-insert]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      const choice = document.getElementById("canned-" + button.dataset.cannedInsert + "-choice");
      const box = document.getElementById(button.dataset.box);
      const text = choice && texts[choice.value];
      if (!box || text === undefined) return; // let the page reload do it
      event.preventDefault();
      const typed = box.value.trimEnd();
      box.value = typed ? typed + "\n\n" + text : text;
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    });
  });
})();
