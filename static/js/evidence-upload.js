// The evidence widget: each chosen or dropped file is sent on its own request,
// with its own progress bar, description and visibility. A refused file shows
// its error next to it; the others go on. No inline script: the CSP forbids it.
(function () {
  "use strict";

  function setProgress(row, percent) {
    const bar = row.querySelector("[data-progress]");
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    row.querySelector("[role=progressbar]").setAttribute("aria-valuenow", String(percent));
  }

  function upload(widget, row, file) {
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("description", row.querySelector("[data-description]").value);
    form.append("visibility", row.querySelector("[data-visibility]").value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", widget.dataset.uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", widget.querySelector("[name=csrfmiddlewaretoken]").value);
    // Each file acts once: a resend of this request is answered with its first
    // result. One key per file: the page's signed key and this file's suffix.
    xhr.setRequestHeader("X-Once-Key", widget.querySelector("[name=once_key]").value + "." + row.dataset.onceSuffix);
    // Lets an answer given before the view (413: too large) be the short error fragment.
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) setProgress(row, Math.round((event.loaded / event.total) * 100));
    });
    xhr.addEventListener("load", function () {
      const result = row.querySelector("[data-result]");
      if (xhr.status === 201) {
        setProgress(row, 100);
        row.classList.add("border-success");
        result.textContent = row.dataset.doneText;
        const gallery = document.getElementById("evidence-gallery");
        if (gallery) {
          const empty = gallery.querySelector("[data-testid=gallery-empty]");
          if (empty) empty.remove();
          gallery.insertAdjacentHTML("beforeend", xhr.responseText);
          if (window.htmx) window.htmx.process(gallery);
        }
      } else {
        row.classList.add("border-danger");
        result.innerHTML = xhr.responseText || "";
        if (!xhr.responseText) result.textContent = row.dataset.failText;
      }
    });
    xhr.addEventListener("error", function () {
      row.classList.add("border-danger");
      row.querySelector("[data-result]").textContent = row.dataset.failText;
    });
    xhr.send(form);
  }

  // A random suffix (getRandomValues works on plain http too, randomUUID does not).
  function suffix() {
    const bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function init(widget) {
    const input = widget.querySelector("input[type=file]");
    const queue = widget.querySelector("[data-queue]");
    const template = widget.querySelector("[data-row-template]");
    const button = widget.querySelector("[data-upload-all]");
    let pending = [];

    function add(files) {
      Array.from(files).forEach(function (file) {
        const row = template.content.firstElementChild.cloneNode(true);
        row.querySelector("[data-name]").textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KB)";
        row.dataset.doneText = widget.dataset.doneText || "Uploaded.";
        row.dataset.failText = widget.dataset.failText || "The upload failed; try again.";
        row.dataset.onceSuffix = suffix();
        queue.appendChild(row);
        pending.push({ row: row, file: file });
      });
      button.disabled = pending.length === 0;
    }

    input.addEventListener("change", function () { add(input.files); input.value = ""; });
    const drop = widget.querySelector("[data-drop]");
    drop.addEventListener("dragover", function (event) { event.preventDefault(); drop.classList.add("bg-light"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("bg-light"); });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      drop.classList.remove("bg-light");
      add(event.dataTransfer.files);
    });
    button.addEventListener("click", function () {
      pending.forEach(function (job) { upload(widget, job.row, job.file); });
      pending = [];
      button.disabled = true;
    });
  }

  function initLightbox() {
    const modal = document.getElementById("lightbox");
    if (!modal) return;
    modal.addEventListener("show.bs.modal", function (event) {
      const trigger = event.relatedTarget;
      modal.querySelector("#lightbox-image").src = trigger.dataset.full;
      modal.querySelector("#lightbox-image").alt = trigger.dataset.caption;
      modal.querySelector("#lightbox-title").textContent = trigger.dataset.caption;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-evidence-widget]").forEach(init);
    initLightbox();
  });
})();
