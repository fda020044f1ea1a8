"""YAML configuration: safe reading, frozen validated objects, clear errors.

Section models live beside the code they configure (``liqbt.data.config``,
...); :mod:`liqbt.config.experiment` assembles them. The names below are
imported lazily so that section modules can use :mod:`liqbt.config.base`
without a circular import.
"""

__all__ = ["ExperimentConfig", "LoadedConfig", "OutputConfig", "load_config"]


def __getattr__(name):
    if name in __all__:
        from . import experiment

        return getattr(experiment, name)
    raise AttributeError(name)
