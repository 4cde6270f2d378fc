"""The network: HTTP client, polite sessions, robots.txt, SSRF guard, URL normalisation."""
