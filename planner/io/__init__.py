"""Files: the project file (GeoPackage), importers and exporters."""

from planner.io.project_file import ProjectFileError, load_project, save_project

__all__ = ["ProjectFileError", "load_project", "save_project"]
