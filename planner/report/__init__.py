"""The run's results for people: figures (matplotlib, the same on screen and in the PDF) and the
PDF report. Qt-free; reads a results folder as ``planner run`` and the app write it."""
