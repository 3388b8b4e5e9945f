from pathlib import Path

from order_svc.app import create_app
from order_svc.settings import OrderSettings
from q2c_shared.testing.service import define_service_fixtures

database_url, settings, service = define_service_fixtures(
    create_app=create_app,
    settings_class=OrderSettings,
    service_dir=Path(__file__).resolve().parents[1],
    database_name="order_test",
)
