"""Model files of older Keras versions: Keras 1, multi-backend Keras 2, CuDNN layers.

- `interfaces`: Keras 1 layer configs renamed to Keras 2 (Keras 2's legacy
  interfaces);
- `cudnn_recurrent`: `CuDNNLSTM`/`CuDNNGRU` as LSTM/GRU, CuDNN weight layout;
- `weights`: saved arrays converted per layer (Keras 1 layouts, Theano
  kernel flips, CuDNN layouts; inside wrappers and nested models);
- `model_file`: the config pass of a file load (layer entries, GRU
  `reset_after` from the bias shape) and what a load converts.
"""
