// Live deadline countdowns: every <time data-countdown> counts down to its
// datetime each second. The server renders the same text first, so the page
// reads right without script. role="timer" keeps screen readers from
// announcing every tick.
(function () {
  "use strict";

  // The browser names the units in the page's language.
  const lang = document.documentElement.lang || "en";
  function unit(n, name) {
    return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" }).format(n);
  }

  function render(element) {
    const left = Math.floor((Date.parse(element.getAttribute("datetime")) - Date.now()) / 1000);
    if (left <= 0) {
      element.textContent = element.dataset.passedText;
      return false;
    }
    const days = Math.floor(left / 86400);
    const hours = Math.floor((left % 86400) / 3600);
    const minutes = Math.floor((left % 3600) / 60);
    const seconds = left % 60;
    const parts = [];
    if (days) parts.push(unit(days, "day"));
    if (days || hours) parts.push(unit(hours, "hour"));
    parts.push(unit(minutes, "minute"));
    if (!days) parts.push(unit(seconds, "second"));
    element.textContent = element.dataset.leftText.replace("%s", parts.join(" "));
    return true;
  }

  const clocks = Array.from(document.querySelectorAll("time[data-countdown]"));
  if (!clocks.length) return;
  function tick() {
    clocks.forEach(render);
  }
  tick();
  setInterval(tick, 1000);
})();
