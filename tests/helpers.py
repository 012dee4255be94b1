"""What several test modules share: the repository's root, a finite-difference gradient, and the
mouse and key events that drive draw.py's window headless."""
import os

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def numerical_gradient(f, x, step=1e-6):
    """∂f/∂x by central differences, one element at a time."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + step
        f_plus = f()
        x[index] = saved - step
        f_minus = f()
        x[index] = saved
        grad[index] = (f_plus - f_minus) / (2 * step)
    return grad


def drag(points):
    """Post what the mouse sends for one stroke: press, moves with the button held, release."""
    import pygame  # only here: most tests need no window library
    post = pygame.event.post
    post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=points[0]))
    for point in points[1:]:
        post(pygame.event.Event(pygame.MOUSEMOTION, pos=point, rel=(0, 0), buttons=(1, 0, 0)))
    post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=points[-1]))


def press(key):
    import pygame
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
