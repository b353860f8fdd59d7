// Start a dispute: offer only the reasons and the facts of the chosen type.
// Without this script every reason and fact is shown and the server still
// refuses a reason that does not belong to the type, so nothing depends on it.
(function () {
  "use strict";

  function chosenType(form) {
    const checked = form.querySelector("input[name=type]:checked");
    return checked ? checked.value : "";
  }

  function belongs(element, type) {
    return !type || (element.dataset.types || "").split(" ").indexOf(type) !== -1;
  }

  function apply(form) {
    const type = chosenType(form);
    const select = form.querySelector("select[name=reason]");
    select.querySelectorAll("option[data-types]").forEach(function (option) {
      const ok = belongs(option, type);
      option.hidden = !ok;
      option.disabled = !ok;
      if (!ok && option.selected) select.value = "";
    });
    form.querySelectorAll("[data-fact]").forEach(function (fact) {
      fact.hidden = !belongs(fact, type);
    });
    const help = form.querySelector("[data-facts-help]");
    if (help) help.hidden = Boolean(type);
  }

  document.querySelectorAll("form[data-start-dispute]").forEach(function (form) {
    form.querySelectorAll("input[name=type]").forEach(function (radio) {
      radio.addEventListener("change", function () { apply(form); });
    });
    apply(form);
  });
})();
