import time
from pydantic.v1 import BaseModel, Field, HttpUrl
import requests
from requests import HTTPError
from sekoia_automation.trigger import Trigger  # (1)!
class TriggerConfiguration(BaseModel):
    url: HttpUrl
    frequency: int = Field(3600, description="Seconds to wait between two polls")
class Entry(BaseModel):
    id: int
    value: str
    timestamp: int
class NewEntries(BaseModel):
    entries: list[Entry]
class NewEntriesTrigger(Trigger):
    configuration: TriggerConfiguration  # (2)!
    results_model = NewEntries  # (3)!
    def run(self):  # (4)!
        seen_ids = set()
        while self.running:
            try:
                response = requests.get(self.configuration.url)
                response.raise_for_status()
                entries = [e for e in response.json() if e["id"] not in seen_ids]
                if entries:
                    self.send_event(  # (5)!
                        event_name=f"Pushing {len(entries)} new entries", 
                        event=NewEntries(entries=entries),
                    )
                    seen_ids.update(e["id"] for e in entries)
            except HTTPError:
                self.log(  # (6)!
                    f"HTTP Request failed: {self.configuration.url} with {response.status_code}",
                    level="error",
                )
            time.sleep(self.configuration.frequency)
