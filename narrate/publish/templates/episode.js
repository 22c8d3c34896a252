/* The episode page's behaviour (included inline by episode.html, so a page works from file:// on its own):
   the transcript follows playback until the reader scrolls it, passages and chapters seek, #t= links,
   "Copy link to this moment", and the pinned player's height for anchors. Without it the page still reads. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var player = document.getElementById("player");
  var bar = document.querySelector(".player");
  var box = document.getElementById("transcript");
  var followButton = document.getElementById("follow");
  var backButton = document.getElementById("back-to-line");
  var copyButton = document.getElementById("copy-moment");
  var statusBox = document.getElementById("moment-status");
  var nowChapter = document.querySelector("[data-now-chapter]");
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var toArray = function (list) { return Array.prototype.slice.call(list); };
  var lines = box ? toArray(box.querySelectorAll(".line")) : [];
  var links = box ? toArray(box.querySelectorAll("a[data-seek]")) : [];
  var chapters = toArray(document.querySelectorAll("ol.chapters li"));
  var number = function (el, name) { return parseFloat(el.getAttribute(name)); };
  var lineStarts = lines.map(function (el) { return number(el, "data-start"); });
  var chapterStarts = chapters.map(function (el) { return number(el, "data-start"); });
  var currentLine = null, currentChapter = null, tabStop = null, stopAt = null;
  var following = true, ownScroll = false, ownScrollTimer = 0, statusTimer = 0;

  toArray(document.querySelectorAll("[data-js]")).forEach(function (el) { el.hidden = false; });

  /* Media Fragments time: 90, 90.5, 1:30, 1:02:03, 1h2m3s, 2m, npt:90; t=START,END plays up to END. */
  function parseClock(text) {
    text = text.trim().replace(/^npt:/, "");
    var m = /^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text);
    if (m) return (m[1] ? parseInt(m[1], 10) * 3600 : 0) + parseInt(m[2], 10) * 60 + parseFloat(m[3]);
    m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(text);
    if (m && (m[1] || m[2] || m[3])) {
      return (m[1] ? parseFloat(m[1]) * 3600 : 0) + (m[2] ? parseFloat(m[2]) * 60 : 0) + (m[3] ? parseFloat(m[3]) : 0);
    }
    return null;
  }
  function fragmentTime(hash) {
    var params = hash.replace(/^#/, "").split("&");
    for (var i = 0; i < params.length; i++) {
      var eq = params[i].indexOf("=");
      if (eq < 0 || params[i].slice(0, eq) !== "t") continue;
      var value;
      try { value = decodeURIComponent(params[i].slice(eq + 1)); } catch (err) { return null; }
      var parts = value.split(",");
      var start = parts[0] === "" ? 0 : parseClock(parts[0]);
      var end = parts.length > 1 && parts[1] !== "" ? parseClock(parts[1]) : null;
      return start === null ? null : { start: start, end: end };
    }
    return null;
  }
  function moment(seconds) {
    var tenths = Math.floor(seconds * 10 + 1e-6), whole = Math.floor(tenths / 10), tenth = tenths % 10;
    var h = Math.floor(whole / 3600), m = Math.floor(whole % 3600 / 60), s = whole % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return (h ? h + ":" + pad(m) : m) + ":" + pad(s) + (tenth ? "." + tenth : "");
  }

  function lastStarted(starts, t) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.05) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function ownScrolling(ms) {
    ownScroll = true;
    clearTimeout(ownScrollTimer);
    ownScrollTimer = setTimeout(function () { ownScroll = false; }, ms);
  }
  function reveal(line, jump) {
    if (!following || !line || !box || box.scrollHeight <= box.clientHeight + 1) return;
    var boxTop = box.getBoundingClientRect().top + box.clientTop, rect = line.getBoundingClientRect();
    var view = box.clientHeight, top = rect.top - boxTop;
    if (!jump && top >= view * 0.1 && rect.bottom - boxTop <= view * 0.8) return;
    var target = Math.max(0, Math.min(box.scrollHeight - view, box.scrollTop + top - view * 0.3));
    if (Math.abs(target - box.scrollTop) < 1) return;
    var instant = jump || reducedMotion.matches;
    ownScrolling(instant ? 200 : 1500);
    box.scrollTo({ top: target, behavior: instant ? "auto" : "smooth" });
  }
  function setFollowing(on) {
    following = on;
    if (followButton) followButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (backButton) backButton.hidden = on || !currentLine;
    if (on) reveal(currentLine, true);
  }
  function userScrolled() {
    ownScroll = false;
    if (following) setFollowing(false);
  }
  function setTabStop(link) {
    if (!link || link === tabStop) return;
    if (tabStop) tabStop.tabIndex = -1;
    tabStop = link;
    link.tabIndex = 0;
  }

  function update(jump) {
    var t = player.currentTime;
    if (stopAt !== null && t >= stopAt) { stopAt = null; player.pause(); }
    var i = lastStarted(lineStarts, t), line = i >= 0 ? lines[i] : null;
    if (line !== currentLine) {
      if (currentLine) {
        currentLine.classList.remove("current");
        currentLine.closest("p").classList.remove("playing");
        currentLine.closest("a").removeAttribute("aria-current");
      }
      currentLine = line;
      if (line) {
        line.classList.add("current");
        line.closest("p").classList.add("playing");
        line.closest("a").setAttribute("aria-current", "true");
        if (!box.contains(document.activeElement)) setTabStop(line.closest("a"));
      }
      reveal(line, jump);
    } else if (jump) {
      reveal(line, true);
    }
    var c = lastStarted(chapterStarts, t), chapter = c >= 0 ? chapters[c] : null;
    if (chapter !== currentChapter) {
      if (currentChapter) {
        currentChapter.classList.remove("current");
        currentChapter.querySelector("a").removeAttribute("aria-current");
      }
      currentChapter = chapter;
      if (chapter) {
        chapter.classList.add("current");
        chapter.querySelector("a").setAttribute("aria-current", "true");
      }
      if (nowChapter) nowChapter.textContent = chapter ? chapter.querySelector(".title").textContent : "";
    }
  }

  function seek(start, play, end) {
    stopAt = end !== null && end !== undefined && end > start ? end : null;
    function go() {
      player.currentTime = Math.min(start, isFinite(player.duration) ? player.duration : start);
      if (play) {
        var playing = player.play();
        if (playing && playing.catch) playing.catch(function () {});
      }
      update(true);
    }
    if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    var line = event.target.closest(".line");
    var start = line && link.contains(line) ? number(line, "data-start") : number(link, "data-seek");
    history.replaceState(null, "", "#t=" + moment(start));
    if (box && box.contains(link)) setTabStop(link);
    setFollowing(true);
    seek(start, true, null);
  });
  window.addEventListener("hashchange", function () {
    var wanted = fragmentTime(location.hash);
    if (wanted) { setFollowing(true); seek(wanted.start, true, wanted.end); }
  });
  player.addEventListener("timeupdate", function () { update(false); });
  player.addEventListener("seeked", function () { update(true); });

  if (box) {
    links.forEach(function (link) { link.tabIndex = -1; });
    setTabStop(links[0]);
    box.addEventListener("scroll", function () { if (!ownScroll) userScrolled(); }, { passive: true });
    box.addEventListener("scrollend", function () { ownScroll = false; });
    box.addEventListener("wheel", userScrolled, { passive: true });
    box.addEventListener("touchmove", userScrolled, { passive: true });
    box.addEventListener("focusin", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
      if (link) setTabStop(link);
    });
    box.addEventListener("keydown", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-seek]") : null;
      if (!link || event.altKey || event.ctrlKey || event.metaKey) return;
      var i = links.indexOf(link), next = null;
      if (event.key === "ArrowDown") next = i + 1;
      else if (event.key === "ArrowUp") next = i - 1;
      else if (event.key === "PageDown") next = i + 10;
      else if (event.key === "PageUp") next = i - 10;
      else if (event.key === "Home") next = 0;
      else if (event.key === "End") next = links.length - 1;
      else if (event.key === " ") { event.preventDefault(); link.click(); return; }
      if (next === null) return;
      event.preventDefault();
      userScrolled();
      var target = links[Math.max(0, Math.min(links.length - 1, next))];
      setTabStop(target);
      target.focus();
    });
  }
  if (followButton) {
    followButton.addEventListener("click", function () { setFollowing(followButton.getAttribute("aria-pressed") !== "true"); });
  }
  if (backButton) {
    backButton.addEventListener("click", function () {
      setFollowing(true);
      if (currentLine) { setTabStop(currentLine.closest("a")); currentLine.closest("a").focus({ preventScroll: true }); }
    });
  }
  if (copyButton) {
    copyButton.addEventListener("click", function () {
      var at = moment(player.currentTime), url = location.href.split("#")[0] + "#t=" + at;
      history.replaceState(null, "", "#t=" + at);
      function say(text) {
        statusBox.textContent = text;
        clearTimeout(statusTimer);
        statusTimer = setTimeout(function () { statusBox.textContent = ""; }, 6000);
      }
      function fallback() { say("The address bar now holds the link to " + at + "."); }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(function () { say("Link to " + at + " copied."); }, fallback);
      } else {
        fallback();
      }
    });
  }

  function measureBar() {
    document.documentElement.style.setProperty("--bar-h", bar.offsetHeight + "px");
    bar.classList.toggle("stuck", window.scrollY > 0 && bar.getBoundingClientRect().top <= 0.5);
  }
  window.addEventListener("scroll", measureBar, { passive: true });
  window.addEventListener("resize", measureBar);
  measureBar();

  var wanted = fragmentTime(location.hash);
  if (wanted) seek(wanted.start, false, wanted.end); else update(true);
})();
