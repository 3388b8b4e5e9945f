from pathlib import Path

from q2c_shared.testing.service import define_service_fixtures
from quote_svc.app import create_app
from quote_svc.settings import QuoteSettings

database_url, settings, service = define_service_fixtures(
    create_app=create_app,
    settings_class=QuoteSettings,
    service_dir=Path(__file__).resolve().parents[1],
    database_name="quote_test",
)
