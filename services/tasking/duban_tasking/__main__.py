from duban_common.runtime import serve

from .bootstrap import bootstrap

if __name__ == "__main__":
    serve(bootstrap(), "Duban tasking 交办")
