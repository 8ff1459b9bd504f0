from sekoia_automation.module import Module
from testhttp_modules.models import TesthttpModuleConfiguration


class TesthttpModule(Module):
    configuration: TesthttpModuleConfiguration
