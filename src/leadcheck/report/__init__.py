"""The development report: view model, HTML templating and locked-down PDF rendering."""
