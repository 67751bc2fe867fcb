"""specs/vae.yaml written with Keras 3's functional API (torch backend), as a Keras user would."""

from __future__ import annotations

from typing import Any


def build_keras_vae(keras: Any, d: int = 16, hidden: int = 32, latent: int = 4) -> Any:
    """Outputs [reconstruction, per-example negative ELBO], like the spec's Reconstruction and Loss."""
    ops = keras.ops

    class Sampling(keras.layers.Layer):
        def __init__(self, **kwargs: Any):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs: Any) -> Any:
            mu, sigma = inputs
            return mu + sigma * keras.random.normal(ops.shape(mu), seed=self.seed_generator)

    class Elbo(keras.layers.Layer):
        def call(self, inputs: Any) -> Any:
            x, recon, mu, sigma = inputs
            kl = ops.sum((ops.square(mu) + ops.square(sigma) - 1) / 2 - ops.log(sigma), axis=1)
            return d * ops.mean(ops.square(recon - x), axis=1) + kl

    x = keras.Input(shape=(d,))
    h = keras.layers.Dense(hidden, activation="tanh")(x)
    mu = keras.layers.Dense(latent)(h)
    sigma = keras.layers.Activation("exponential")(keras.layers.Dense(latent)(h))
    z = Sampling()([mu, sigma])
    recon = keras.layers.Dense(d)(keras.layers.Dense(hidden, activation="tanh")(z))
    return keras.Model(x, [recon, Elbo()([x, recon, mu, sigma])])
