"""ganviz: a desktop GAN explorer."""
__version__ = "0.1.0"
