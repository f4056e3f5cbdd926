"""Output for people: Excel workbooks, HTML pages and charts."""
