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
    const focus = target.querySelector('[data-app-focus]')
    if (focus instanceof HTMLElement && !target.querySelector('.govuk-error-summary')) {
      focus.setAttribute('tabindex', '-1')
      focus.focus()
    }
  }
})
