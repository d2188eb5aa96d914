/* duikou: small enhancements. Every page works without this file.
 * - draws ECharts charts from the JSON option in an element's data-chart attribute
 *   (a click on a bar or node with a `url` opens that page); a map chart's outlines
 *   come from its data-geojson attribute (the plan's GeoJSON, registered first);
 * - redraws charts after htmx swaps and on resize;
 * - moves focus to the error summary so screen readers announce it.
 * No inline scripts: the Content-Security-Policy allows scripts from this origin only. */
(function () {
  'use strict';

  document.documentElement.classList.add('js');

  var charts = [];

  function fontFamily() {
    try {
      return window.getComputedStyle(document.body).fontFamily;
    } catch (e) {
      return 'sans-serif';
    }
  }

  function initCharts(root) {
    if (!window.echarts) {
      return;
    }
    var nodes = (root || document).querySelectorAll('[data-chart]');
    Array.prototype.forEach.call(nodes, function (el) {
      if (el.getAttribute('data-chart-ready')) {
        return;
      }
      var option;
      try {
        option = JSON.parse(el.getAttribute('data-chart'));
      } catch (e) {
        return;
      }
      var geo = el.getAttribute('data-geojson');
      if (geo) {
        try {
          window.echarts.registerMap('duikou-counties', JSON.parse(geo));
        } catch (e) {
          // Outlines that cannot be drawn: the squares of the tile map instead.
          el.style.display = 'none';
          Array.prototype.forEach.call(document.querySelectorAll('.tile-map-fallback'), function (t) {
            t.classList.remove('tile-map-fallback');
          });
          return;
        }
      }
      option.textStyle = option.textStyle || { fontFamily: fontFamily() };
      var narrow = el.clientWidth < 560;
      if (option.legend && narrow) {
        option.legend.type = 'scroll';
      }
      if (narrow && Array.isArray(option.series)) {
        // On a phone the small nodes of a diagram keep no label; the table below names them.
        option.series.forEach(function (s) {
          if (s.type === 'graph' && Array.isArray(s.data)) {
            s.data.forEach(function (n) {
              if (n.category === 2) {
                n.label = { show: false };
              }
            });
          }
        });
      }
      var chart = window.echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(option);
      chart.on('click', function (p) {
        var d = p && p.data;
        if (d && typeof d.url === 'string' && d.url.charAt(0) === '/' && d.url.charAt(1) !== '/') {
          window.location.href = d.url;
        }
      });
      el.setAttribute('data-chart-ready', '1');
      charts.push(chart);
    });
  }

  var resizeTimer = null;
  window.addEventListener('resize', function () {
    if (resizeTimer) {
      window.clearTimeout(resizeTimer);
    }
    resizeTimer = window.setTimeout(function () {
      charts.forEach(function (c) {
        if (!c.isDisposed()) {
          c.resize();
        }
      });
    }, 150);
  });

  function focusErrors() {
    var summary = document.getElementById('error-summary');
    if (summary) {
      summary.focus();
    }
  }

  function start() {
    initCharts(document);
    focusErrors();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }

  // A list's filter the server could not read comes back 422 with its error summary:
  // shown like any answer (htmx leaves error answers out by default), then announced.
  function refusedFilter(evt) {
    var elt = evt.detail.requestConfig && evt.detail.requestConfig.elt;
    return evt.detail.xhr && evt.detail.xhr.status === 422 && elt && elt.closest &&
      elt.closest('[data-swap-422]');
  }

  document.body.addEventListener('htmx:beforeSwap', function (evt) {
    if (refusedFilter(evt)) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  document.body.addEventListener('htmx:afterSettle', function (evt) {
    initCharts(evt.target);
    if (refusedFilter(evt)) {
      focusErrors();
    }
  });
})();
