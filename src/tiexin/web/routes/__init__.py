"""One router per feature; `tiexin.web.app` includes them in this order."""
