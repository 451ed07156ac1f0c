"""Keras 3 native formats: the `.keras` zip archive (`archive`), the
weights layout of `.weights.h5` files and of the archive's
`model.weights.h5` (`weights_store`, with the object paths of
`saveables`), Keras 3 configs written from ckeras models
(`config_writer`) and the Keras 3 config forms rewritten before reading
(`config_reader`)."""
