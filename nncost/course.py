"""The course's models, built exactly as the questions ask (seed 000, and seed 003's exercise 2).

Each function returns a fresh, built Keras model; Keras is imported when one is called.
The numbers these models cost are never written here: :func:`nncost.profile` computes
them, and tests/test_course.py derives each one by hand.
"""

from __future__ import annotations

__all__ = ["MODELS", "exercise2", "q1", "q2", "q3", "q4", "q5", "q6", "q7"]


def _k():
    import keras

    return keras, keras.layers


def q1():
    """Q1: dense 5→5→5→1, relu hidden layers, sigmoid output."""
    keras, L = _k()
    return keras.Sequential(
        [
            keras.Input((5,)),
            L.Dense(5, activation="relu", name="dense_1"),
            L.Dense(5, activation="relu", name="dense_2"),
            L.Dense(1, activation="sigmoid", name="dense_3"),
        ],
        name="q1_dense",
    )


def q2():
    """Q2: dense 4→9→6→3, relu hidden layers, softmax output."""
    keras, L = _k()
    return keras.Sequential(
        [
            keras.Input((4,)),
            L.Dense(9, activation="relu", name="dense_1"),
            L.Dense(6, activation="relu", name="dense_2"),
            L.Dense(3, activation="softmax", name="dense_3"),
        ],
        name="q2_dense",
    )


def _cnn2d(input_shape, name):
    keras, L = _k()
    return keras.Sequential(
        [
            keras.Input(input_shape),
            L.Conv2D(32, (3, 3), activation="relu", name="conv_1"),
            L.MaxPooling2D((2, 2), name="pool_1"),
            L.Conv2D(64, (3, 3), activation="relu", name="conv_2"),
            L.MaxPooling2D((2, 2), name="pool_2"),
            L.Flatten(name="flatten"),
            L.Dense(64, activation="relu", name="dense_1"),
            L.Dense(10, activation="softmax", name="dense_2"),
        ],
        name=name,
    )


def q3():
    """Q3: the MNIST 2D CNN on 28×28×1 images."""
    return _cnn2d((28, 28, 1), "q3_mnist_cnn")


def q4():
    """Q4: the same CNN on 32×32×3 images (pooling 2×2, stride 2)."""
    return _cnn2d((32, 32, 3), "q4_cifar_cnn")


def q5():
    """Q5: the video 3D CNN on clips of 16 frames × 64×64×1, five classes."""
    keras, L = _k()
    return keras.Sequential(
        [
            keras.Input((16, 64, 64, 1)),
            L.Conv3D(32, (3, 3, 3), activation="relu", name="conv3d_1"),
            L.MaxPooling3D((2, 2, 2), name="pool3d_1"),
            L.Conv3D(64, (3, 3, 3), activation="relu", name="conv3d_2"),
            L.MaxPooling3D((2, 2, 2), name="pool3d_2"),
            L.Flatten(name="flatten"),
            L.Dense(128, activation="relu", name="dense_1"),
            L.Dense(5, activation="softmax", name="dense_2"),
        ],
        name="q5_video_3dcnn",
    )


def q6():
    """Q6: SimpleRNN with n_x=4, n_a=3 (tanh), T_x=5, and a sigmoid output of n_y=2."""
    keras, L = _k()
    return keras.Sequential(
        [
            keras.Input((5, 4)),
            L.SimpleRNN(3, name="simple_rnn"),
            L.Dense(2, activation="sigmoid", name="dense"),
        ],
        name="q6_simple_rnn",
    )


def q7(seq_len: int | None = None):
    """Q7: one LSTM layer with x=4 inputs and h=3 units, then a sigmoid unit.

    The seed leaves the sequence length open (``None``): profile it with ``seq_len=``. The
    recurrent assignment fixes T = 5, which is ``q7(seq_len=5)``.
    """
    keras, L = _k()
    return keras.Sequential(
        [
            keras.Input((seq_len, 4)),
            L.LSTM(3, name="lstm"),
            L.Dense(1, activation="sigmoid", name="dense"),
        ],
        name="q7_lstm",
    )


def exercise2():
    """Seed 003, exercise 2: three 3×3, stride-2, 'same' convolutions (100, 200, 400 maps)
    on 200×300 RGB images."""
    keras, L = _k()
    return keras.Sequential(
        [keras.Input((200, 300, 3))]
        + [
            L.Conv2D(f, (3, 3), strides=2, padding="same", activation="relu", name=f"conv_{i}")
            for i, f in enumerate((100, 200, 400), start=1)
        ],
        name="exercise2_cnn",
    )


MODELS = {
    "q1": q1,
    "q2": q2,
    "q3": q3,
    "q4": q4,
    "q5": q5,
    "q6": q6,
    "q7": q7,
    "exercise2": exercise2,
}
