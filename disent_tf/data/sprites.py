"""The embedded dSprites renderer: square, ellipse and heart on a 64x64 frame.

dSprites (Matthey et al. 2017, https://github.com/deepmind/dsprites-dataset)
is procedural, so we draw it ourselves. The grid and index order match the
original file exactly; the pixels do not (see docs/data.md).

Design (fast and identical in numpy and TensorFlow): every (shape, scale,
orientation) sprite is drawn once, supersampled, into a SIZE x SIZE mask. A
mask row is stored as one uint64 whose bit j is column j; the masks sit in a
column of zero rows so that a vertical position is a contiguous run of 64
rows, and a horizontal position is a left shift. Rendering a batch is then one
gather of 64 words per image, one shift and one bit unpacking - integer ops
that give the same pixels in both frameworks.
"""

import numpy as np
import tensorflow as tf

IMAGE_SIZE = 64
NUM_SHAPES, NUM_SCALES, NUM_ORIENTATIONS, NUM_POSITIONS = 3, 6, 40, 32
SHAPE_NAMES = ("square", "ellipse", "heart")
# Sprite radius in pixels at scale 1: every rotation of every shape fits in a
# disk of this radius, so a SIZE x SIZE mask always holds the whole sprite.
RADIUS = 10
SIZE = 2 * RADIUS + 1
# Rows of zeros above a mask: a sprite at vertical offset oy starts PAD - oy rows in.
PAD = IMAGE_SIZE - SIZE
ROWS_PER_SPRITE = PAD + IMAGE_SIZE
SUPERSAMPLING = 5

SCALES = np.linspace(0.5, 1.0, NUM_SCALES)
ORIENTATIONS = np.linspace(0.0, 2.0 * np.pi, NUM_ORIENTATIONS)  # both ends, as the original
POSITIONS = np.linspace(0.0, 1.0, NUM_POSITIONS)
# Top-left pixel of the mask for each position class: 0 .. IMAGE_SIZE - SIZE.
OFFSETS = np.round(POSITIONS * (IMAGE_SIZE - SIZE)).astype(np.int64)


# Row b: the 8 pixels of byte value b, bit 0 first (render_tf).
_BYTE_PIXELS = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.float32)


def _inside(shape, x, y):
    """True where unit-disk coordinates (x right, y up) fall inside the shape."""
    # Each shape reaches radius 0.95 at most, so no rotation leaves the mask.
    if shape == 0:  # square, half side 0.67: corners at radius 0.95
        return np.maximum(np.abs(x), np.abs(y)) <= 0.67
    if shape == 1:  # ellipse with semi-axes 0.95 and 0.48
        return (x / 0.95) ** 2 + (y / 0.48) ** 2 <= 1.0
    # heart: the curve (X^2 + Y^2 - 1)^3 = X^2 Y^3 (lobes up, tip down); around
    # (0, 0.25) it reaches radius 1.25, so scale it by 1.25 / 0.95
    hx, hy = x * 1.25 / 0.95, y * 1.25 / 0.95 + 0.25
    return (hx ** 2 + hy ** 2 - 1.0) ** 3 - hx ** 2 * hy ** 3 <= 0.0


def sprite_masks():
    """bool (3, 6, 40, SIZE, SIZE): every sprite centred in its mask (row 0 at the top)."""
    sub = (np.arange(SUPERSAMPLING) + 0.5) / SUPERSAMPLING - 0.5
    pixel = np.arange(SIZE) - RADIUS
    rows = (pixel[:, None] + sub[None, :]).reshape(-1)  # SIZE * SUPERSAMPLING
    v, u = np.meshgrid(rows, rows, indexing="ij")
    masks = np.zeros((NUM_SHAPES, NUM_SCALES, NUM_ORIENTATIONS, SIZE, SIZE), dtype=bool)
    for scale_index, scale in enumerate(SCALES):
        for orientation_index, angle in enumerate(ORIENTATIONS):
            # Inverse-rotate pixel coordinates (image y points down, so flip v).
            cos, sin = np.cos(angle), np.sin(angle)
            x = (cos * u - sin * v) / (scale * RADIUS)
            y = (-sin * u - cos * v) / (scale * RADIUS)
            for shape in range(NUM_SHAPES):
                covered = _inside(shape, x, y).reshape(SIZE, SUPERSAMPLING, SIZE, SUPERSAMPLING)
                masks[shape, scale_index, orientation_index] = covered.mean(axis=(1, 3)) >= 0.5
    return masks


def row_table(masks=None):
    """uint64 (720 * ROWS_PER_SPRITE,): mask rows as bit words, PAD zero rows before each mask."""
    masks = sprite_masks() if masks is None else masks
    flat = masks.reshape(-1, SIZE, SIZE).astype(np.uint64)
    words = (flat << np.arange(SIZE, dtype=np.uint64)).sum(axis=-1, dtype=np.uint64)
    table = np.zeros((flat.shape[0], ROWS_PER_SPRITE), dtype=np.uint64)
    table[:, PAD:PAD + SIZE] = words
    return table.reshape(-1)


def _row_indices(shape, scale, orientation, top, image_rows):
    """Indices into the row table of the 64 image rows of each sprite (n, 64).

    `top` is the pixel offset of the mask's first row; `image_rows` is 0..63.
    """
    sprite = (shape * NUM_SCALES + scale) * NUM_ORIENTATIONS + orientation
    start = sprite * ROWS_PER_SPRITE + PAD - top
    return start[:, None] + image_rows[None, :]


def render_numpy(table, factors):
    """float32 (n, 64, 64, 1) in {0, 1} for int factors (n, 5): shape, scale, orientation, x, y."""
    factors = np.asarray(factors, dtype=np.int64)
    shape, scale, orientation, pos_x, pos_y = factors.T
    rows = table[_row_indices(shape, scale, orientation, OFFSETS[pos_y], np.arange(IMAGE_SIZE))]
    words = rows << OFFSETS[pos_x].astype(np.uint64)[:, None]
    # Bit j of a little-endian word is byte j // 8, bit j % 8: unpacking its bytes least significant bit
    # first gives the 64 columns in order, with no 64-bit temporary per pixel (12x faster than shifting).
    bits = np.unpackbits(words.astype("<u8", copy=False).view(np.uint8), axis=-1, bitorder="little")
    return bits.reshape(len(factors), IMAGE_SIZE, IMAGE_SIZE, 1).astype(np.float32)


def render_tf(table, factors):
    """The same pixels as `render_numpy`, as TensorFlow ops (for tf.data graphs).

    `table` is the uint64 row table as a tensor, `factors` an int64 (n, 5) tensor.
    """
    factors = tf.cast(factors, tf.int64)
    offsets = tf.constant(OFFSETS, dtype=tf.int64)
    shape, scale, orientation, pos_x, pos_y = tf.unstack(factors, axis=1)
    image_rows = tf.range(IMAGE_SIZE, dtype=tf.int64)
    index = _row_indices(shape, scale, orientation, tf.gather(offsets, pos_y), image_rows)
    rows = tf.gather(table, index)
    shift = tf.cast(tf.gather(offsets, pos_x), tf.uint64)[:, None]
    words = tf.bitwise.left_shift(rows, shift)
    # As in render_numpy: the words' bytes (little-endian, as on every platform TensorFlow runs on), each
    # looked up as its 8 pixels, least significant bit first: about twice as fast as shifting 64-bit words.
    octets = tf.cast(tf.bitcast(words, tf.uint8), tf.int32)  # (n, 64, 8)
    pixels = tf.gather(tf.constant(_BYTE_PIXELS), octets)  # (n, 64, 8, 8)
    return tf.reshape(pixels, [-1, IMAGE_SIZE, IMAGE_SIZE, 1])
