// Console behaviour, served from /static/console.js: the Content-Security-Policy allows scripts from 'self' only,
// so pages carry data-* attributes and no inline script. Each block acts only when its page's element is present.
// the nav folds behind the Menu button on narrow screens (CSS hides it only under .js, so no script = open nav)
(function () {
  document.documentElement.classList.add('js');
  var toggle = document.getElementById('nav-toggle'), header = document.querySelector('header.top');
  if (!toggle || !header) return;
  toggle.addEventListener('click', function () {
    var open = header.classList.toggle('nav-open');
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
})();
// a form shown again with errors: focus goes to the first field in error (its message is announced by role="alert")
(function () {
  var first = document.querySelector('main [aria-invalid="true"]');
  if (first && typeof first.focus === 'function') first.focus();
})();
// live SLA countdowns: the takedowns and deadlines pages (any table with data-server-now)
(function () {
  var tables = document.querySelectorAll('table[data-server-now]');
  if (!tables.length) return;
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  Array.prototype.forEach.call(tables, function (table) {
    var left = table.getAttribute('data-label-left'), over = table.getAttribute('data-label-overdue');
    var serverNow = Date.parse(table.getAttribute('data-server-now'));
    var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
    function tick() {
      var now = Date.now() + skew;
      var items = table.querySelectorAll('.countdown[data-due]');
      for (var i = 0; i < items.length; i++) {
        var el = items[i], due = Date.parse(el.getAttribute('data-due'));
        if (isNaN(due)) continue;
        var warn = parseInt(el.getAttribute('data-warn') || '14400', 10);
        var s = Math.round((due - now) / 1000), a = Math.abs(s);
        var hms = Math.floor(a / 3600) + ':' + pad(Math.floor(a % 3600 / 60)) + ':' + pad(a % 60);
        el.querySelector('.countdown-text').textContent = (s <= 0 ? over : left) + ' ' + hms;
        el.setAttribute('data-remaining', String(s));
        el.classList.toggle('sla-breached', s <= 0);
        el.classList.toggle('sla-warning', s > 0 && s <= warn);
        el.classList.toggle('sla-ok', s > warn);
      }
    }
    tick();
    setInterval(tick, 1000);
  });
})();

// irreversible actions: a button with data-confirm asks before its form is sent; "{n}" in the question is the number
// of rows selected for a bulk action (checkboxes named "ids" that belong to the form)
function selectedIds(form) {
  var n = 0, els = form ? form.elements : [];
  for (var i = 0; i < els.length; i++) if (els[i].name === 'ids' && els[i].checked) n++;
  return n;
}
document.addEventListener('submit', function (e) {
  var button = e.submitter;
  var text = button && button.getAttribute('data-confirm');
  if (text && text.indexOf('{n}') >= 0) text = text.split('{n}').join(String(selectedIds(e.target)));
  if (text && !window.confirm(text)) e.preventDefault();
});

// bulk actions: a "select all" checkbox ticks every row checkbox of its form on this page
document.addEventListener('change', function (e) {
  var box = e.target, formId = box && box.getAttribute && box.getAttribute('data-select-all');
  if (!formId) return;
  var form = document.getElementById(formId), els = form ? form.elements : [];
  for (var i = 0; i < els.length; i++) if (els[i].name === 'ids') els[i].checked = box.checked;
});

// catalogue page
(function () {
  var input = document.getElementById('import-file');
  if (input) {
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var info = document.getElementById('import-file-info');
      var format = document.getElementById('import-format');
      if (/\.ya?ml$/i.test(file.name)) format.value = 'yaml';
      else if (/\.csv$/i.test(file.name)) format.value = 'csv';
      var reader = new FileReader();
      reader.onload = function () {
        document.getElementById('import-content').value = String(reader.result || '');
        info.textContent = file.name + ' · ' + file.size + ' B';
      };
      reader.readAsText(file, 'utf-8');
    });
  }
  var table = document.getElementById('jobs-table');
  if (!table || table.getAttribute('data-active') !== 'true' || !window.fetch) return;
  function poll() {
    fetch('/console/catalogue/jobs.json', { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var missing = false;
        data.jobs.forEach(function (j) {
          var row = table.querySelector('tr[data-job-id="' + j.id + '"]');
          if (!row) { missing = true; return; }
          var bar = row.querySelector('progress');
          bar.value = j.percent; bar.textContent = j.percent + '%';
          row.querySelector('.percent').textContent = j.percent + '%';
          row.querySelector('.count').textContent = j.processed + ' / ' + j.total;
          row.querySelector('.changed').textContent = j.changed;
          row.querySelector('.cases').textContent = j.casesOpened;
          row.querySelector('.finished').textContent = j.finishedAt;
          var st = row.querySelector('td.status');
          st.setAttribute('data-status', j.status);
          var badge = st.querySelector('.badge');
          badge.className = 'badge job-' + j.status; badge.textContent = j.statusLabel;
        });
        table.setAttribute('data-active', data.active ? 'true' : 'false');
        if (missing) { window.location.reload(); return; }
        if (data.active) setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();

// certifications page
(function () {
  var input = document.getElementById('cert-file');
  if (!input) return;
  var info = document.getElementById('cert-file-info');
  function clear() {
    document.getElementById('cert-file-b64').value = '';
    document.getElementById('cert-file-name').value = '';
    document.getElementById('cert-file-type').value = '';
  }
  input.addEventListener('change', function () {
    clear(); info.textContent = '';
    var file = input.files && input.files[0];
    if (!file) return;
    if (file.size > Number(input.getAttribute('data-max-bytes'))) {
      info.textContent = input.getAttribute('data-too-large'); info.className = 'error-text'; input.value = ''; return;
    }
    var reader = new FileReader();
    reader.onload = function () {
      var url = String(reader.result || ''), comma = url.indexOf(',');
      document.getElementById('cert-file-b64').value = comma >= 0 ? url.slice(comma + 1) : '';
      document.getElementById('cert-file-name').value = file.name;
      document.getElementById('cert-file-type').value = file.type || 'application/octet-stream';
      info.className = 'muted'; info.textContent = file.name + ' · ' + file.size + ' B';
    };
    reader.readAsDataURL(file);
  });
})();

// record timelines: each time is also shown in the reader's own time zone when it is not China time
(function () {
  var times = document.querySelectorAll('time.local-time[datetime]');
  if (!times.length || typeof Intl === 'undefined') return;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || zone === 'Asia/Shanghai' || zone === 'Asia/Chongqing' || zone === 'PRC') return;
  var lang = (document.documentElement.lang || 'en').indexOf('zh') === 0 ? 'zh-CN' : 'en-GB';
  var fmt = new Intl.DateTimeFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
                                            timeZoneName: 'short' });
  Array.prototype.forEach.call(times, function (el) {
    var d = new Date(el.getAttribute('datetime'));
    if (isNaN(d.getTime())) return;
    el.setAttribute('title', el.textContent);
    el.textContent = fmt.format(d);
  });
})();
