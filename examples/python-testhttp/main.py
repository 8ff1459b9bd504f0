from testhttp_modules import TesthttpModule

from testhttp_modules.trigger_new_entries import NewEntriesTrigger
from testhttp_modules.connector import TesthttpConnector
from testhttp_modules.action_request import Request


if __name__ == "__main__":
    module = TesthttpModule()
    module.register(NewEntriesTrigger, "NewEntriesTrigger")
    module.register(TesthttpConnector, "TesthttpConnector")
    module.register(Request, "Request")
    module.run()
