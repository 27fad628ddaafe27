"""Small helpers to turn image batches into PNG grids, strips and GIFs.

Images are float (n, H, W, C) in [0, 1] with C = 1 or 3. Files are written to a
temporary name and renamed (records.write_bytes), so a path may be gs://...
and no half-written file is ever left behind.
"""

import io

import numpy as np
from PIL import Image

from disent_tf import records
from disent_tf.errors import UserError


def to_uint8(images):
    """uint8 (n, H, W, 3) from float images in [0, 1] (grey is repeated to RGB)."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise UserError(f"images must have shape (n, H, W, 1 or 3), got {images.shape}.")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    return np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)


def tile(images, columns, padding=2, pad_value=1.0):
    """One uint8 (rows*H + pad, columns*W + pad, 3) canvas with the images row by row."""
    pixels = to_uint8(images)
    count, height, width, _ = pixels.shape
    columns = max(1, min(int(columns), count))
    rows = -(-count // columns)
    canvas = np.full((rows * (height + padding) + padding, columns * (width + padding) + padding, 3),
                     int(round(pad_value * 255)), dtype=np.uint8)
    for i in range(count):
        top = padding + (i // columns) * (height + padding)
        left = padding + (i % columns) * (width + padding)
        canvas[top:top + height, left:left + width] = pixels[i]
    return canvas


def upscale(canvas, factor):
    """Nearest-neighbour enlargement, so small images stay crisp in a viewer."""
    factor = int(factor)
    return canvas if factor <= 1 else np.repeat(np.repeat(canvas, factor, axis=0), factor, axis=1)


def save_png(path, canvas):
    """Writes a uint8 (H, W, 3) canvas as PNG; returns the path."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas, dtype=np.uint8)).save(buffer, format="PNG")
    return records.write_bytes(str(path), buffer.getvalue())


def save_grid(path, images, columns=8, scale=2, padding=2):
    """PNG grid of `images`, `columns` per row, enlarged `scale` times."""
    return save_png(path, upscale(tile(images, columns, padding), scale))


def save_rows(path, rows, scale=2, padding=2):
    """PNG with one strip per entry of `rows` (each (k, H, W, C), same k): e.g. one traversal per factor."""
    rows = [np.asarray(row) for row in rows]
    if not rows:
        raise UserError("save_rows needs at least one row of images.")
    columns = rows[0].shape[0]
    return save_grid(path, np.concatenate(rows, axis=0), columns=columns, scale=scale, padding=padding)


def save_gif(path, frames, duration_ms=100, scale=2):
    """Animated GIF from uint8 canvases (H, W, 3) or float image grids; loops forever."""
    pictures = [Image.fromarray(upscale(np.asarray(frame, dtype=np.uint8), scale)) for frame in frames]
    if not pictures:
        raise UserError("save_gif needs at least one frame.")
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:],
                     duration=int(duration_ms), loop=0)
    return records.write_bytes(str(path), buffer.getvalue())
