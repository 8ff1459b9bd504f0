import json
import time
from pydantic.v1 import Field
from sekoia_automation.connector import Connector, DefaultConnectorConfiguration
import requests
from . import TesthttpModule
class TesthttpConnectorConfiguration(DefaultConnectorConfiguration):
    url: str = Field("https://jsonplaceholder.typicode.com/posts", description="URL to poll")
    polling_interval: float = Field(5, description="Polling interval in minutes")
class TesthttpConnector(Connector):
    module: TesthttpModule
    configuration: TesthttpConnectorConfiguration
    def run(self):
        self.log(message="Start fetching events", level="info")
        while self.running:
            self.log("Polling Testhttp API...", level="info")
            # Fetch data from the Testhttp API
            data = []
            try:
                response = requests.get(
                    self.configuration.url,
                    headers={"Authorization": f"Bearer {self.module.configuration.api_key}"},
                )
                response.raise_for_status()
                data = response.json()
            except requests.RequestException as error:
                self.log_exception(error, message="Error fetching data from Testhttp API")
            # Process collected data (if needed)
            batch_of_events = []
            for item in data:
                item["source"] = "testhttp"
                batch_of_events.append(json.dumps(item))
            # Push events to Sekoia platform
            if batch_of_events:
                self.log(
                    message=f"{len(batch_of_events)} events collected",
                    level="info",
                )
                self.push_events_to_intakes(events=batch_of_events)
            # Wait for the next polling interval
            time.sleep(self.configuration.polling_interval * 60)
