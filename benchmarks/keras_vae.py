"""The benchmark VAE in Keras 3's functional API (torch backend), as a Keras user would write it."""

from __future__ import annotations

from typing import Any


def build_keras_vae(keras: Any, d_in: int, hidden: int, latent: int) -> Any:
    class Sampling(keras.layers.Layer):
        def __init__(self, **kwargs: Any):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs: Any) -> Any:
            mu, sigma = inputs
            return mu + sigma * keras.random.normal(keras.ops.shape(mu), seed=self.seed_generator)

    x = keras.Input(shape=(d_in,))
    h = keras.layers.Dense(hidden, activation="relu")(x)
    mu = keras.layers.Dense(latent)(h)
    sigma = keras.layers.Activation("exponential")(keras.layers.Dense(latent)(h))
    z = Sampling()([mu, sigma])
    recon = keras.layers.Dense(d_in, activation="sigmoid")(keras.layers.Dense(hidden, activation="relu")(z))
    return keras.Model(x, [recon, mu, sigma])
