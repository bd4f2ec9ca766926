// Progressive enhancement only: every page works without this file.
// Loaded as a module from 'self' (the Content-Security-Policy allows no inline script).
import { initAll } from '/static/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// Components that htmx swaps in (inline forms, search results) are initialised in place; the
// error summary of a swapped-in form takes focus, as on a full page.
document.body.addEventListener('htmx:afterSettle', (event) => {
  const target = event.detail && event.detail.elt
  if (target instanceof Element) {
    initAll({ scope: target, onError: () => {} })
    if (event.detail.requestConfig && event.detail.requestConfig.elt instanceof Element &&
        event.detail.requestConfig.elt.hasAttribute('data-live')) return // a live update never moves focus
    const focus = target.querySelector('[data-app-focus]')
    if (focus instanceof HTMLElement && !target.querySelector('.govuk-error-summary')) {
      focus.setAttribute('tabindex', '-1')
      focus.focus()
    }
  }
})

// Live status (web/live.py): a page's stream says "changed" and htmx fetches the part again. It
// waits while someone is using a form in that part (typing, or an inline form open), so nothing
// they wrote is lost; the next change, or their own submission, brings the part up to date.
document.body.addEventListener('input', (event) => {
  const form = event.target instanceof Element && event.target.closest('form')
  if (form) form.setAttribute('data-app-dirty', '')
})
function busy (elt) {
  const target = document.querySelector(elt.getAttribute('hx-target') || '')
  const active = document.activeElement
  return Boolean(target && (target.querySelector('form[data-app-dirty], #action-panel form') ||
    (active instanceof Element && active.closest('form') && target.contains(active))))
}
function live (elt) {
  return elt instanceof Element && elt.hasAttribute('data-live')
}
document.body.addEventListener('htmx:beforeRequest', (event) => {
  const elt = event.detail && event.detail.elt
  if (live(elt) && busy(elt)) event.preventDefault()
})
// Asked before the form was opened, answered after: the answer is dropped rather than swapped over it.
document.body.addEventListener('htmx:beforeSwap', (event) => {
  const elt = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt
  if (live(elt) && busy(elt)) event.detail.shouldSwap = false
})
