from pydantic.v1 import BaseModel, Field
class TesthttpModuleConfiguration(BaseModel):
    api_key: str = Field(..., description="API Key", secret=True)
