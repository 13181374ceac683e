// The take page: a click on a word or a comment's time plays the take from there;
// the word being played is outlined; the comment form's time follows the player.
(function () {
  "use strict";
  function player() { return document.querySelector("audio"); }
  function fillTime() {
    var audio = player(), field = document.getElementById("at");
    if (audio && field) { field.value = audio.currentTime.toFixed(1); }
  }
  document.addEventListener("click", function (event) {
    var audio = player();
    if (!audio) { return; }
    var target = event.target.closest("[data-t]");
    if (target) {
      event.preventDefault();
      audio.currentTime = parseFloat(target.dataset.t);
      audio.play().catch(function () {});
      return;
    }
    if (event.target.closest("#now")) { fillTime(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var audio = player(), now = document.getElementById("now");
    if (!audio) { return; }
    if (now) { now.hidden = false; }
    audio.addEventListener("pause", fillTime);
    audio.addEventListener("seeked", function () { if (audio.paused) { fillTime(); } });
    audio.addEventListener("timeupdate", function () {
      document.querySelectorAll(".w").forEach(function (word) {
        var start = parseFloat(word.dataset.t), end = parseFloat(word.dataset.end);
        word.classList.toggle("now", !audio.paused && start <= audio.currentTime
          && audio.currentTime < end);
      });
    });
  });
})();
