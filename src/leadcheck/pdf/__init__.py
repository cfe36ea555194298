"""The PDF service below the report and the questionnaire: WeasyPrint locked down, fonts, rendering in a process."""
