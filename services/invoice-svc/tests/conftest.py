from pathlib import Path

from invoice_svc.app import create_app
from invoice_svc.settings import InvoiceSettings
from q2c_shared.testing.service import define_service_fixtures

database_url, settings, service = define_service_fixtures(
    create_app=create_app,
    settings_class=InvoiceSettings,
    service_dir=Path(__file__).resolve().parents[1],
    database_name="invoice_test",
)
