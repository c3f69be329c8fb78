// drorch web UI. The pages hold no data: this script fetches server-rendered
// fragments (every value escaped by the server's html/template) with the
// API token as a bearer header, follows a run's journal as server-sent
// events, and wires the buttons. The token lives in this tab's
// sessionStorage only: no cookie carries it, so no other site can make a
// request with it (no CSRF), and it never appears in a URL.
'use strict';
(() => {
  const TOKEN_KEY = 'drorch.token';
  const main = document.getElementById('main');
  const page = main.dataset.page;
  const runID = main.dataset.run;
  const view = document.getElementById('view');
  const statusEl = document.getElementById('status');
  const token = () => sessionStorage.getItem(TOKEN_KEY) || '';
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  function say(msg, isError) {
    statusEl.textContent = msg;
    statusEl.classList.toggle('error', !!isError);
  }

  function signIn() {
    location.assign('/ui/login?next=' + encodeURIComponent(location.pathname));
  }

  async function api(method, url, body) {
    const headers = { Authorization: 'Bearer ' + token() };
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(url, init);
    if (resp.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      signIn();
      throw new Error('the token was refused; sign in again');
    }
    return resp;
  }

  // failure turns an error answer ({error, problems}) into an Error.
  async function failure(resp) {
    let msg = resp.status + ' ' + resp.statusText;
    let problems = [];
    try {
      const j = await resp.json();
      msg = j.error || msg;
      problems = j.problems || [];
    } catch (e) { /* not JSON: keep the status line */ }
    const err = new Error(msg);
    err.problems = problems;
    return err;
  }

  function showError(err, where) {
    say(err.message, true);
    if (where && err.problems && err.problems.length) {
      const ul = document.createElement('ul');
      ul.className = 'problems';
      for (const p of err.problems) {
        const li = document.createElement('li');
        li.textContent = p;
        ul.appendChild(li);
      }
      where.replaceChildren(ul);
    }
  }

  // fragment puts a server-rendered fragment into an element.
  async function fragment(url, into, method, body) {
    const resp = await api(method || 'GET', url, body);
    if (!resp.ok) throw await failure(resp);
    const html = await resp.text();
    const restore = keepTyped(into);
    into.innerHTML = html;
    restore();
    tickElapsed();
  }

  // keepTyped saves what the operator is typing in the forms of a fragment
  // (an approval's comment) and returns what puts it back once the
  // fragment is replaced: a live refresh must not wipe it, nor take the
  // focus away.
  function keepTyped(into) {
    const saved = [];
    for (const form of into.querySelectorAll('form[data-target]')) {
      for (const el of form.querySelectorAll('input[name], textarea[name]')) {
        if (el.value === '' && el !== document.activeElement) continue;
        saved.push({ target: form.dataset.target, name: el.name, value: el.value, focused: el === document.activeElement,
          start: el.selectionStart, end: el.selectionEnd });
      }
    }
    return () => {
      for (const s of saved) {
        const form = into.querySelector('form[data-target="' + CSS.escape(s.target) + '"]');
        const el = form && form.elements.namedItem(s.name);
        if (!el) continue;
        el.value = s.value;
        if (s.focused) {
          el.focus();
          try { el.setSelectionRange(s.start, s.end); } catch (e) { /* not a text field */ }
        }
      }
    };
  }

  function fmt(ms) {
    let s = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    s %= 60;
    const two = (n) => String(n).padStart(2, '0');
    if (h > 0) return h + 'h' + two(m) + 'm' + two(s) + 's';
    if (m > 0) return m + 'm' + two(s) + 's';
    return s + 's';
  }

  // tickElapsed shows how long what is still running has run.
  function tickElapsed() {
    for (const el of document.querySelectorAll('.elapsed[data-since]')) {
      if (el.dataset.since) el.textContent = fmt(Date.now() - Date.parse(el.dataset.since));
    }
  }
  setInterval(tickElapsed, 1000);

  window.addEventListener('beforeprint', () => {
    for (const d of document.querySelectorAll('details')) d.open = true;
  });

  // ---- the run page: its fragment, refreshed as its journal grows.
  let refreshing = false;
  let again = false;
  async function refreshRun() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      do {
        again = false;
        await fragment('/ui/f/runs/' + encodeURIComponent(runID), view);
      } while (again);
    } catch (e) {
      showError(e);
    } finally {
      refreshing = false;
    }
  }

  // drorchStream is what the stream delivered: the last seq (a reconnect
  // resumes after it) and, for diagnosis, when each event arrived.
  const stream = { lastSeq: 0, ended: false, received: [], connections: 0, completed: 0 };
  window.drorchStream = stream;
  // drorchRefresh redraws the run as a live event does (tests use it).
  window.drorchRefresh = refreshRun;

  function onBlock(block) {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      let value = c < 0 ? '' : line.slice(c + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data += (data ? '\n' : '') + value;
    }
    if (event === 'journal') {
      const ev = JSON.parse(data);
      stream.lastSeq = ev.seq;
      stream.received.push({ seq: ev.seq, kind: ev.kind, time: ev.time, at: Date.now() });
      if (stream.received.length > 1000) stream.received.shift();
      refreshRun();
      say('live: event ' + ev.seq + ' (' + ev.kind + ')');
    } else if (event === 'end') {
      stream.ended = true;
      refreshRun();
      say('the run has ended');
    }
  }

  // follow reads the run's server-sent events (fetch, since EventSource
  // cannot send the token header), reconnecting after the last seq.
  async function follow() {
    while (!stream.ended) {
      try {
        const headers = { Authorization: 'Bearer ' + token(), Accept: 'text/event-stream' };
        if (stream.lastSeq) headers['Last-Event-ID'] = String(stream.lastSeq);
        const resp = await fetch('/api/v1/runs/' + encodeURIComponent(runID) + '/stream',
          { headers, credentials: 'omit', cache: 'no-store' });
        if (resp.status === 401) { sessionStorage.removeItem(TOKEN_KEY); signIn(); return; }
        if (!resp.ok) throw await failure(resp);
        stream.connections++;
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) { stream.completed++; break; }
          buf += value;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            onBlock(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        }
      } catch (e) {
        say('live updates interrupted (' + e.message + '); reconnecting', true);
      }
      if (!stream.ended) await sleep(2000);
    }
  }

  async function post(url, body, done) {
    const resp = await api('POST', url, body);
    if (!resp.ok) throw await failure(resp);
    const j = await resp.json();
    if (done) say(done(j));
    return j;
  }

  async function openReport(btn) {
    // Opened before the fetch, while the click still counts as the
    // user's: a window opened later is blocked as a pop-up.
    const w = window.open('', '_blank');
    const resp = await api('GET', '/api/v1/runs/' + encodeURIComponent(runID) + '/report?format=' + btn.dataset.format);
    if (!resp.ok) { if (w) w.close(); throw await failure(resp); }
    const url = URL.createObjectURL(await resp.blob());
    if (w) w.location.href = url; else window.location.assign(url);
  }

  async function download(btn) {
    const f = btn.dataset.format;
    const resp = await api('GET', '/api/v1/runs/' + encodeURIComponent(runID) + '/report?format=' + f);
    if (!resp.ok) throw await failure(resp);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(await resp.blob());
    a.download = 'drorch-run-' + runID + ({ json: '.json', md: '.md', junit: '.xml' }[f] || '.txt');
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  const runURL = () => '/api/v1/runs/' + encodeURIComponent(runID);
  let planned = null; // the request of the plan shown

  const actions = {
    async approve(btn) {
      const form = btn.closest('form.approval');
      await post(runURL() + '/approve', { resource: form.dataset.target, comment: form.elements.comment.value },
        (j) => 'approved ' + j.resource.name + ' as ' + j.by);
      refreshRun();
    },
    async reject(btn) {
      const form = btn.closest('form.approval');
      if (!window.confirm('Reject this approval? The resource fails and the run stops before its next layer.')) return;
      await post(runURL() + '/reject', { resource: form.dataset.target, comment: form.elements.comment.value },
        (j) => 'rejected ' + j.resource.name + ' as ' + j.by);
      refreshRun();
    },
    async cancel() {
      if (!window.confirm('Cancel run ' + runID + '? It stops after its AWS calls in flight return, for good.')) return;
      await post(runURL() + '/cancel', undefined,
        (j) => j.requested ? 'cancel requested: the run stops after its calls in flight return' : 'the run is cancelled');
      refreshRun();
    },
    async resume() {
      await post(runURL() + '/resume', undefined, () => 'resumed');
      if (stream.ended) { stream.ended = false; follow(); }
      refreshRun();
    },
    report: openReport,
    download,
    async start() {
      if (!planned) return;
      const j = await post('/api/v1/runs', planned);
      location.assign('/ui/runs/' + encodeURIComponent(j.id));
    },
  };

  document.addEventListener('click', async (e) => {
    const btn = e.target.closest('button[data-action]');
    if (!btn || !actions[btn.dataset.action]) return;
    e.preventDefault();
    btn.disabled = true;
    try {
      await actions[btn.dataset.action](btn);
    } catch (err) {
      showError(err);
    } finally {
      btn.disabled = false;
    }
  });

  // ---- the header: who is signed in.
  const signout = document.getElementById('signout');
  signout.addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); location.assign('/ui/login'); });

  async function whoami() {
    const resp = await api('GET', '/api/v1/info');
    if (!resp.ok) throw await failure(resp);
    const j = await resp.json();
    document.getElementById('who').textContent = 'signed in as ' + j.caller;
    signout.hidden = false;
    return j;
  }

  // planForm makes the new-run page's form plan through the API. It is set
  // up before anything is awaited: a click that came before it would
  // submit the payload natively.
  function planForm() {
    const form = document.getElementById('plan-form');
    const out = document.getElementById('plan');
    let name = 'ui';
    document.getElementById('payload-file').addEventListener('change', async (e) => {
      const f = e.target.files[0];
      if (!f) return;
      name = f.name;
      form.elements.payload.value = await f.text();
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const req = { payload: form.elements.payload.value, name, region: form.elements.region.value.trim(),
        allowDataLoss: form.elements.allowDataLoss.checked };
      planned = null;
      out.replaceChildren();
      say('planning: reading the current state of every resource');
      try {
        await fragment('/ui/f/plan', out, 'POST', req);
        planned = req;
        say('');
      } catch (err) {
        showError(err, out);
      }
    });
  }

  // ---- pages.
  async function start() {
    if (page === 'login') {
      document.getElementById('login-form').addEventListener('submit', async (e) => {
        e.preventDefault();
        const t = document.getElementById('token').value.trim();
        const resp = await fetch('/api/v1/info', { headers: { Authorization: 'Bearer ' + t }, credentials: 'omit', cache: 'no-store' });
        if (!resp.ok) { showError(await failure(resp)); return; }
        sessionStorage.setItem(TOKEN_KEY, t);
        const next = new URLSearchParams(location.search).get('next') || '';
        // Only a page of this UI: never an address elsewhere.
        location.assign(/^\/ui\/[a-z0-9/-]*$/.test(next) && next !== '/ui/login' ? next : '/ui/');
      });
      return;
    }
    if (!token()) { signIn(); return; }
    if (page === 'new') planForm();
    const info = await whoami();
    if (page === 'runs') {
      const load = () => fragment('/ui/f/runs', view).catch(showError);
      await load();
      setInterval(load, 5000);
    } else if (page === 'run') {
      await refreshRun();
      follow();
    } else if (page === 'new') {
      if (info.region) document.getElementById('plan-form').elements.region.placeholder = info.region + ' (drorch serve --region)';
    }
  }
  start().catch(showError);
})();
