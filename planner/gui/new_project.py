"""The New project dialog: site, weather, tariff and what shared energy pays.

The dialog only gathers choices; :func:`planner.io.project_setup.create_project` makes the
project (the same function as ``planner new``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from planner import PlannerError
from planner.model import SHARED_ENERGY_PRESETS
from planner.model.people import TARIFF_PRESETS


def spin_box(low, high, value, decimals, suffix) -> QDoubleSpinBox:
    """A number field with its range, precision and unit."""
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setDecimals(decimals)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


class NewProjectDialog(QDialog):
    """Name and site; the weather station nearest the site is suggested with its distance."""

    OWN_TARIFF = "own"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.project = None
        self.lines: list[str] = []
        form = QFormLayout()
        self.name = QLineEdit("New community")
        form.addRow("Name", self.name)
        self.latitude = spin_box(-90, 90, 48.457, 5, " °")
        self.longitude = spin_box(-180, 180, 7.884, 5, " °")
        form.addRow("Latitude (WGS 84)", self.latitude)
        form.addRow("Longitude (WGS 84)", self.longitude)
        self.site_from_file = QPushButton("Take the site from a file of the town…")
        self.site_from_file.setToolTip("the middle of an OSM extract, GeoJSON, Shapefile or GeoPackage")
        self.site_from_file.clicked.connect(self._pick_site_file)
        self.site_on_map = QPushButton("Click the site on a map of the town…")
        self.site_on_map.setToolTip("draws the buildings and streets of an OSM extract, GeoJSON, Shapefile "
                                    "or GeoPackage; click where the site is")
        self.site_on_map.clicked.connect(self._pick_site_on_map)
        site_row = QWidget()
        row = QHBoxLayout(site_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.site_from_file)
        row.addWidget(self.site_on_map)
        form.addRow("", site_row)
        self.weather = QComboBox()
        weather_row = QWidget()
        row = QHBoxLayout(weather_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.weather, 1)
        self.weather_file = QPushButton("File…")
        self.weather_file.clicked.connect(self._pick_weather_file)
        row.addWidget(self.weather_file)
        form.addRow("Weather", weather_row)
        self.tariff = QComboBox()
        for key, preset in TARIFF_PRESETS.items():
            self.tariff.addItem(preset["name"], key)
        self.tariff.addItem("A tariff of my own", self.OWN_TARIFF)
        self.tariff.addItem("No tariff yet", "none")
        form.addRow("Tariff", self.tariff)
        self.import_price = spin_box(0, 5, 0.30, 4, " EUR/kWh")
        self.export_price = spin_box(0, 5, 0.08, 4, " EUR/kWh")
        self.fixed_charge = spin_box(0, 10_000, 120.0, 2, " EUR/a")
        form.addRow("Import price (all in)", self.import_price)
        form.addRow("Export price", self.export_price)
        form.addRow("Fixed charge", self.fixed_charge)
        self.shared = QComboBox()
        for key, preset in SHARED_ENERGY_PRESETS.items():
            self.shared.addItem(preset.describe(), key)
            self.shared.setItemData(self.shared.count() - 1, preset.source, Qt.ItemDataRole.ToolTipRole)
        form.addRow("Shared energy pays", self.shared)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.latitude.valueChanged.connect(self._refresh_weather)
        self.longitude.valueChanged.connect(self._refresh_weather)
        self.tariff.currentIndexChanged.connect(self._refresh_tariff)
        self._refresh_weather()
        self._refresh_tariff()


    def _refresh_weather(self) -> None:
        from planner.io.project_setup import weather_choices

        current_file = self.weather.currentData() if self.weather.count() else None
        self.weather.clear()
        for station_id, label, km in weather_choices(self.latitude.value(), self.longitude.value()):
            self.weather.addItem(f"{label}, {km:,.0f} km away", station_id)
        if current_file and current_file not in [self.weather.itemData(i) for i in range(self.weather.count())]:
            self.weather.insertItem(0, f"File: {current_file}", current_file)
            self.weather.setCurrentIndex(0)

    def _pick_site_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Town data", "",
                                              "Geodata (*.pbf *.osm *.geojson *.json *.shp *.zip *.gpkg)")
        if path:
            self.site_from(path)

    def _pick_site_on_map(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Town data", "",
                                              "Geodata (*.pbf *.osm *.geojson *.json *.shp *.zip *.gpkg)")
        if path:
            self.site_on_map_of(path)

    def site_on_map_of(self, path: str) -> bool:
        """Show the town file as a map and take the site where the user clicks (say why when the
        file cannot be drawn)."""
        from pathlib import Path

        from planner.gui.site_picker import SitePickerDialog
        from planner.io.geography import town_map

        try:
            town = town_map(path)
        except PlannerError as exc:
            self.message.setText(str(exc))
            return False
        picker = SitePickerDialog(town, Path(path).name, self)
        self.picker = picker
        if picker.exec() != QDialog.DialogCode.Accepted:
            return False
        self.latitude.setValue(picker.latitude)
        self.longitude.setValue(picker.longitude)
        self.message.setText("")
        self.town_file = path
        return True

    def site_from(self, path: str) -> bool:
        """Set the site to the middle of a geography file's features (say why when it cannot)."""
        from planner.io.geography import centre_of

        try:
            latitude, longitude = centre_of(path)
        except PlannerError as exc:
            self.message.setText(str(exc))
            return False
        self.latitude.setValue(latitude)
        self.longitude.setValue(longitude)
        self.message.setText("")
        self.town_file = path
        return True

    def _pick_weather_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Weather file", "",
                                              "Weather (*.epw *.csv *.tm2 *.json *.dat);;All files (*)")
        if path:
            self.weather.insertItem(0, f"File: {path}", path)
            self.weather.setCurrentIndex(0)

    def _refresh_tariff(self) -> None:
        own = self.tariff.currentData() == self.OWN_TARIFF
        for widget in (self.import_price, self.export_price, self.fixed_charge):
            widget.setEnabled(own)

    def accept(self) -> None:
        """Make the project; a refusal is shown in the dialog, which stays open."""
        from planner.io.project_setup import create_project

        choice = self.tariff.currentData()
        own = choice == self.OWN_TARIFF
        try:
            self.project, self.lines = create_project(
                self.name.text().strip() or "New community", self.latitude.value(), self.longitude.value(),
                weather=self.weather.currentData(),
                tariff_preset=None if own else choice,
                import_price=self.import_price.value() if own else None,
                export_price=self.export_price.value(), fixed_charge=self.fixed_charge.value(),
                shared_energy=self.shared.currentData())
        except PlannerError as exc:
            self.message.setText(str(exc))
            return
        super().accept()
