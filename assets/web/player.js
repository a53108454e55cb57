// lectern's read-along player. Hand-written, no framework, no network: it reads the
// timeline embedded in the page (the same one as the read-aloud book's media overlays)
// and marks the element whose cue contains the audio's current time.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('rd-data').textContent);
  var audio = document.getElementById('rd-audio');
  var playButton = document.getElementById('rd-play');
  var speed = document.getElementById('rd-speed');
  var follow = document.getElementById('rd-follow');
  var chapterButtons = Array.prototype.slice.call(document.querySelectorAll('#rd-chapters button'));
  var cues = data.cues;
  var els = [];
  var KEY = 'lectern:' + data.key;
  var reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

  // Each spoken element: clickable, reachable by the arrow keys, marked while spoken.
  // Only the current one is in the tab order (a roving tabindex), so Tab does not stop
  // on every sentence.
  cues.forEach(function (c, i) {
    var el = document.getElementById(c.el);
    els.push(el);
    if (el && !el.hasAttribute('data-rd')) {
      el.setAttribute('data-rd', String(i));
      el.tabIndex = -1;
    }
  });
  var first = els.filter(Boolean)[0];
  if (first) first.tabIndex = 0;

  var current = -1;
  var marked = null;
  var lastUserScroll = 0;

  function store(name, value) {
    try { window.localStorage.setItem(KEY + ':' + name, String(value)); } catch (e) { /* storage off: nothing to remember */ }
  }
  function recall(name) {
    try { return window.localStorage.getItem(KEY + ':' + name); } catch (e) { return null; }
  }
  function forget(name) {
    try { window.localStorage.removeItem(KEY + ':' + name); } catch (e) { /* nothing */ }
  }

  // The last cue that begins at or before t.
  function cueAt(t) {
    var lo = 0, hi = cues.length - 1, found = 0;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (cues[mid].b <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  function inView(el) {
    var r = el.getBoundingClientRect();
    var top = parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--bar')) || 0;
    return r.bottom > top && r.top < window.innerHeight;
  }

  function mark(i, scroll) {
    if (i === current) return;
    current = i;
    var el = els[i];
    if (el === marked) return;
    if (marked) {
      marked.classList.remove('rd-reading');
      if (marked !== document.activeElement) marked.tabIndex = -1;
    }
    marked = el || null;
    if (!el) return;
    el.classList.add('rd-reading');
    el.tabIndex = 0;
    var manual = Date.now() - lastUserScroll < 4000;
    if ((scroll || !audio.paused) && follow.checked && !manual && !inView(el)) {
      el.scrollIntoView({ block: 'center', behavior: reduceMotion.matches ? 'auto' : 'smooth' });
    }
  }

  function update() {
    if (!cues.length) return;
    mark(cueAt(audio.currentTime));
    // The chapter being heard (figure marks, -1 in the data, are places, not chapters).
    var t = audio.currentTime;
    var now = -1;
    for (var k = 0; k < data.chapters.length; k++) if (data.chapters[k] >= 0 && data.chapters[k] <= t) now = k;
    for (k = 0; k < chapterButtons.length; k++) {
      if (k === now) chapterButtons[k].setAttribute('aria-current', 'true');
      else chapterButtons[k].removeAttribute('aria-current');
    }
  }

  var frame = 0;
  function tick() {
    update();
    frame = audio.paused ? 0 : window.requestAnimationFrame(tick);
  }

  function seek(t, play) {
    // A hair past the cue's start, so the time reads back inside it.
    audio.currentTime = Math.max(0, t + 0.001);
    update();
    if (play) start();
  }
  function start() {
    var p = audio.play();
    if (p && p.catch) p.catch(function () { /* refused (no user gesture yet): the user presses play */ });
  }
  function playFrom(i, focus) {
    i = Math.max(0, Math.min(cues.length - 1, i));
    seek(cues[i].b, true);
    mark(i, true);
    if (focus && els[i]) els[i].focus({ preventScroll: true });
  }
  function step(d, focus) {
    var i = current < 0 ? 0 : current + d;
    // Several cues can mark the same element: move to the next element that differs.
    while (i > 0 && i < cues.length - 1 && els[i] === els[current]) i += d;
    i = Math.max(0, Math.min(cues.length - 1, i));
    audio.currentTime = cues[i].b + 0.001;
    mark(i, true);
    if (focus && els[i]) els[i].focus({ preventScroll: inView(els[i]) });
  }
  function toggle() {
    if (audio.paused) start(); else audio.pause();
  }

  audio.addEventListener('play', function () {
    playButton.setAttribute('aria-label', 'Pause');
    playButton.classList.add('playing');
    if (!frame) frame = window.requestAnimationFrame(tick);
  });
  audio.addEventListener('pause', function () {
    playButton.setAttribute('aria-label', 'Play');
    playButton.classList.remove('playing');
    update();
    store('t', audio.currentTime.toFixed(2));
  });
  audio.addEventListener('seeked', update);
  audio.addEventListener('timeupdate', function () {
    update();
    var now = Date.now();
    if (!audio.paused && now - (audio._saved || 0) > 2000) {
      audio._saved = now;
      store('t', audio.currentTime.toFixed(2));
    }
  });
  audio.addEventListener('ended', function () { forget('t'); });
  audio.addEventListener('ratechange', function () {
    var v = String(audio.playbackRate);
    for (var k = 0; k < speed.options.length; k++) if (speed.options[k].value === v) speed.value = v;
    store('rate', audio.playbackRate);
  });
  audio.addEventListener('loadedmetadata', function () {
    // Back where the listener left off (not at the very end), at their speed.
    var t = parseFloat(recall('t'));
    if (t > 1 && t < audio.duration - 1 && audio.currentTime < 0.5) audio.currentTime = t;
    update();
  });
  var rate = parseFloat(recall('rate'));
  if (rate >= 0.5 && rate <= 3) { audio.playbackRate = rate; audio.defaultPlaybackRate = rate; }
  var savedFollow = recall('follow');
  if (savedFollow !== null) follow.checked = savedFollow === '1';
  window.addEventListener('pagehide', function () { if (audio.currentTime > 0) store('t', audio.currentTime.toFixed(2)); });

  playButton.addEventListener('click', toggle);
  document.getElementById('rd-prev').addEventListener('click', function () { step(-1); });
  document.getElementById('rd-next').addEventListener('click', function () { step(1); });
  speed.addEventListener('change', function () {
    audio.playbackRate = audio.defaultPlaybackRate = parseFloat(speed.value);
  });
  follow.addEventListener('change', function () {
    store('follow', follow.checked ? '1' : '0');
    if (follow.checked && marked && !inView(marked)) marked.scrollIntoView({ block: 'center' });
  });
  chapterButtons.forEach(function (b) {
    b.addEventListener('click', function () { seek(parseFloat(b.getAttribute('data-start')), true); mark(cueAt(audio.currentTime), true); });
  });

  // Click a sentence: listen from there (unless the click follows a link or selects text).
  document.addEventListener('click', function (e) {
    var target = e.target;
    if (!(target instanceof Element) || target.closest('a, button, .player, .about-audio')) return;
    var el = target.closest('[data-rd]');
    if (!el) return;
    var sel = window.getSelection && window.getSelection();
    if (sel && !sel.isCollapsed && String(sel).length) return;
    playFrom(parseInt(el.getAttribute('data-rd'), 10), false);
  });

  // Keyboard: space plays and pauses, left and right arrows go to the previous and next
  // sentence, Enter on a sentence plays from it, up and down arrows move between sentences.
  // Keys that a focused control uses itself are left to it.
  document.addEventListener('keydown', function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    var tag = t && t.tagName;
    var own = /^(INPUT|SELECT|TEXTAREA|AUDIO|VIDEO)$/.test(tag) || (t && t.isContentEditable);
    var control = own || /^(BUTTON|A|SUMMARY)$/.test(tag);
    var onSentence = t && t.hasAttribute && t.hasAttribute('data-rd');
    if (e.key === ' ' && !control) { e.preventDefault(); toggle(); }
    else if ((e.key === 'ArrowRight' || e.key === 'ArrowLeft') && !own) { e.preventDefault(); step(e.key === 'ArrowRight' ? 1 : -1, onSentence); }
    else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && onSentence) { e.preventDefault(); step(e.key === 'ArrowDown' ? 1 : -1, true); }
    else if (e.key === 'Enter' && onSentence) { e.preventDefault(); playFrom(parseInt(t.getAttribute('data-rd'), 10), false); }
    else if (/^(PageUp|PageDown|Home|End)$/.test(e.key)) lastUserScroll = Date.now();
  });
  // The reader scrolling by hand: stop following for a few seconds.
  ['wheel', 'touchmove'].forEach(function (type) {
    window.addEventListener(type, function () { lastUserScroll = Date.now(); }, { passive: true });
  });

  // Keep focused elements clear of the sticky player (WCAG 2.4.11).
  var player = document.getElementById('rd-player');
  function barHeight() { document.documentElement.style.setProperty('--bar', player.offsetHeight + 8 + 'px'); }
  barHeight();
  if (window.ResizeObserver) new ResizeObserver(barHeight).observe(player);

  // Lock screens and headsets: title, cover, previous and next sentence.
  if ('mediaSession' in navigator && window.MediaMetadata) {
    try {
      var art = document.querySelector('.artwork').src;
      // Artwork only over http(s): the media session takes no file: images.
      navigator.mediaSession.metadata = new MediaMetadata({ title: document.title, artwork: /^https?:/.test(art) ? [{ src: art }] : [] });
      navigator.mediaSession.setActionHandler('previoustrack', function () { step(-1); });
      navigator.mediaSession.setActionHandler('nexttrack', function () { step(1); });
    } catch (e) { /* not supported here */ }
  }
  update();
})();
