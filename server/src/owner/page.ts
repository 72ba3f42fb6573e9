/** The owner's page: plain HTML, CSS and script served from owner/ (no inline script, so a strict CSP fits). */

export const OWNER_HTML = `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mostrador · Vista del propietario</title>
<link rel="stylesheet" href="/owner/app.css">
<script src="/owner/app.js" defer></script>
</head>
<body>
<header><strong>Mostrador</strong> <span>Vista del propietario (solo lectura)</span>
<button id="logout" hidden>Cerrar sesión</button></header>
<main>
<form id="login">
<h1>Entrar</h1>
<p>Inicie sesión con un usuario administrador.</p>
<label>Usuario <input name="username" autocomplete="username" required></label>
<label>Contraseña <input name="password" type="password" autocomplete="current-password" required></label>
<p id="login-error" class="error" role="alert"></p>
<button type="submit">Entrar</button>
</form>
<div id="view" hidden>
<p id="updated" class="muted"></p>
<section><h2>Hoy</h2><p id="today" data-testid="today"></p>
<div class="columns">
<table id="by-station"><caption>Por estación</caption><thead><tr><th>Estación</th><th>Ventas</th><th>Importe</th></tr></thead><tbody></tbody></table>
<table id="by-cashier"><caption>Por cajero</caption><thead><tr><th>Cajero</th><th>Ventas</th><th>Importe</th></tr></thead><tbody></tbody></table>
</div>
<table id="latest"><caption>Últimas ventas</caption><thead><tr><th>Número</th><th>Hora</th><th>Estación</th><th>Cajero</th><th>Importe</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Estaciones</h2>
<table id="stations"><thead><tr><th>Estación</th><th>Estado</th><th>Última vez</th><th>Retraso</th><th>Pendientes</th><th>Último error</th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Conflictos</h2><p class="muted">Ediciones del mismo registro hechas a la vez en dos estaciones: el valor que se perdió y el que ganó.</p>
<table id="conflicts"><thead><tr><th>Cuándo</th><th>Registro</th><th>Campo</th><th>Perdió</th><th>Ganó</th></tr></thead><tbody></tbody></table>
</section>
</div>
</main>
</body>
</html>
`;

export const OWNER_CSS = `body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1f2933}
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1rem;background:#fff;border-bottom:1px solid #d9dee5}
header button{margin-left:auto}
main{padding:1rem;max-width:1100px;margin:0 auto}
form{background:#fff;padding:1rem;border-radius:8px;max-width:360px;display:grid;gap:.6rem}
label{display:grid;gap:.2rem}
table{border-collapse:collapse;background:#fff;margin:.5rem 0 1rem;width:100%}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{padding:.35rem .6rem;border-bottom:1px solid #d9dee5;text-align:left}
td.num,th.num{text-align:right}
.columns{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
.ok{color:#1f7a4d;font-weight:600}.bad{color:#b42318;font-weight:600}.muted{color:#5f6b7a}
.error{color:#b42318}
#today{font-size:1.3rem}
`;

export const OWNER_JS = `'use strict';
(function () {
  var token = sessionStorage.getItem('mostradorOwnerToken');
  var timer = null;
  var money = new Intl.NumberFormat('es-ES', { style: 'currency', currency: 'EUR' });
  function $(id) { return document.getElementById(id); }
  function text(value) { return value === null || value === undefined ? '' : String(value); }
  function fill(id, rows) {
    var body = $(id).querySelector('tbody');
    body.replaceChildren.apply(body, rows.map(function (cells) {
      var tr = document.createElement('tr');
      cells.forEach(function (cell) {
        var td = document.createElement('td');
        if (cell && typeof cell === 'object') { td.textContent = cell.text; if (cell.cls) td.className = cell.cls; }
        else td.textContent = text(cell);
        tr.appendChild(td);
      });
      return tr;
    }));
  }
  function ago(iso, now) {
    if (!iso) return 'nunca';
    var s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    if (s < 60) return 'hace ' + s + ' s';
    if (s < 3600) return 'hace ' + Math.floor(s / 60) + ' min';
    return 'hace ' + Math.floor(s / 3600) + ' h';
  }
  function midnight() { var d = new Date(); d.setHours(0, 0, 0, 0); return d.toISOString(); }
  function show(loggedIn) {
    $('login').hidden = loggedIn; $('view').hidden = !loggedIn; $('logout').hidden = !loggedIn;
  }
  async function refresh() {
    var response = await fetch('/owner/api/summary?since=' + encodeURIComponent(midnight()), { headers: { authorization: 'Bearer ' + token } });
    if (response.status === 401 || response.status === 403) { logout(); return; }
    if (!response.ok) throw new Error('HTTP ' + response.status);
    var data = await response.json();
    var now = Date.parse(data.serverTime);
    $('updated').textContent = 'Actualizado ' + new Date().toLocaleTimeString('es-ES');
    $('today').textContent = data.sales.sales + (data.sales.sales === 1 ? ' venta' : ' ventas') + ' · ' + money.format(data.sales.total / 100);
    fill('by-station', data.sales.byStation.map(function (g) { return [g.name, { text: g.sales, cls: 'num' }, { text: money.format(g.total / 100), cls: 'num' }]; }));
    fill('by-cashier', data.sales.byCashier.map(function (g) { return [g.name, { text: g.sales, cls: 'num' }, { text: money.format(g.total / 100), cls: 'num' }]; }));
    fill('latest', data.sales.latest.map(function (s) { return [s.number, new Date(s.createdAt).toLocaleTimeString('es-ES'), s.station, s.cashier, { text: money.format(s.total / 100), cls: 'num' }]; }));
    fill('stations', data.stations.map(function (s) {
      var state = s.revokedAt ? { text: 'Dada de baja', cls: 'muted' } : s.online ? { text: 'Conectada', cls: 'ok' } : { text: 'Desconectada', cls: 'bad' };
      return [s.name, state, ago(s.lastSeenAt, now), { text: s.lag + ' cambios', cls: 'num' }, { text: s.pending, cls: 'num' }, text(s.lastError)];
    }));
    var conflictRows = [];
    data.conflicts.forEach(function (c) {
      c.fields.forEach(function (f) { conflictRows.push([new Date(c.at).toLocaleString('es-ES'), c.table + ' ' + c.id.slice(0, 8), f.field, text(f.lost), text(f.won)]); });
    });
    fill('conflicts', conflictRows);
  }
  function loop() { refresh().catch(function () {}).finally(function () { if (token) timer = setTimeout(loop, 500); }); }
  function logout() { token = null; sessionStorage.removeItem('mostradorOwnerToken'); clearTimeout(timer); show(false); }
  document.addEventListener('DOMContentLoaded', function () {
    $('logout').addEventListener('click', logout);
    $('login').addEventListener('submit', async function (event) {
      event.preventDefault();
      var form = new FormData(event.target);
      $('login-error').textContent = '';
      var response = await fetch('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: form.get('username'), password: form.get('password') }) });
      var body = await response.json().catch(function () { return {}; });
      if (!response.ok) { $('login-error').textContent = response.status === 401 ? 'Usuario o contraseña incorrectos.' : 'No se pudo entrar (' + response.status + ').'; return; }
      if (body.user.role !== 'admin') { $('login-error').textContent = 'Esta vista es solo para administradores.'; return; }
      token = body.token; sessionStorage.setItem('mostradorOwnerToken', token); show(true); loop();
    });
    if (token) { show(true); loop(); } else show(false);
  });
})();
`;
