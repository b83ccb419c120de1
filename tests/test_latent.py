import pytest
import torch

from qae.studies.latent import (
    bounding_box,
    class_centroids,
    distance_surface,
    grid_in_box,
    nearest,
    surface_metrics,
    uniform_in_box,
)


def test_centroids_are_the_mean_code_of_each_class():
    codes = torch.tensor([[0.0, 0.0], [2.0, 4.0], [10.0, 10.0], [-1.0, 1.0], [-3.0, 1.0]])
    labels = torch.tensor([0, 0, 1, 2, 2])
    assert torch.equal(class_centroids(codes, labels, classes=3), torch.tensor([[1.0, 2.0], [10.0, 10.0], [-2.0, 1.0]]))


def test_a_class_without_codes_is_an_error():
    with pytest.raises(ValueError, match=r"\[1\]"):
        class_centroids(torch.zeros(2, 2), torch.tensor([0, 2]), classes=3)


def test_the_box_spans_the_extreme_coordinates_of_the_centroids():
    low, high = bounding_box(torch.tensor([[1.0, 5.0], [-2.0, 3.0], [0.0, 7.0]]))
    assert low.tolist() == [-2.0, 3.0] and high.tolist() == [1.0, 7.0]


def test_uniform_samples_stay_in_the_box_and_fill_it():
    low, high = torch.tensor([-2.0, 3.0]), torch.tensor([1.0, 7.0])
    points = uniform_in_box(low, high, 2000, torch.Generator().manual_seed(0))
    assert points.shape == (2000, 2)
    assert (points >= low).all() and (points <= high).all()
    assert torch.allclose(points.mean(0), (low + high) / 2, atol=0.1)


def test_the_grid_has_steps_squared_points_with_the_corners():
    xs, ys, points = grid_in_box(torch.tensor([0.0, -1.0]), torch.tensor([4.0, 1.0]), 5)
    assert xs.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] and ys.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert points.shape == (25, 2)
    assert points[0].tolist() == [0.0, -1.0] and points[-1].tolist() == [4.0, 1.0]
    assert points[1].tolist() == [1.0, -1.0]  # x varies fastest: row-major with y outer


def test_each_point_belongs_to_its_nearest_centroid():
    centroids = torch.tensor([[0.0, 0.0], [10.0, 0.0]])
    assert nearest(torch.tensor([[1.0, 5.0], [6.0, -1.0], [4.9, 0.0]]), centroids).tolist() == [0, 1, 0]


def test_d_is_the_squared_image_distance_to_the_decoded_nearest_centroid():
    centroids = torch.tensor([[0.0, 0.0], [10.0, 0.0]])

    def decode(z):  # a 2-pixel "image": the code itself, scaled
        return 2 * z

    d, basin = distance_surface(decode, torch.tensor([[1.0, 0.0], [10.0, 0.0], [7.0, 1.0]]), centroids)
    assert basin.tolist() == [0, 1, 1]
    assert d.tolist() == [4.0, 0.0, 4 * (9 + 1)]


def test_a_homogeneous_surface_has_no_discontinuous_border():
    # D = distance to the nearest of two centroids at x = 0 and x = 4: continuous at x = 2,
    # midway between two grid points.
    xs = torch.linspace(0, 4, 8)
    surface = torch.minimum(xs, 4 - xs).repeat(3, 1)
    basins = (xs > 2).long().repeat(3, 1)
    m = surface_metrics(surface, basins, jump_factor=2)
    assert m["discontinuous_borders"] == 0 and m["border_asymmetry"] == pytest.approx(0, abs=1e-6)
    assert m["max_jump"] == pytest.approx(4 / 7)


def test_a_jump_at_the_border_counts_as_a_discontinuity():
    # The right basin's centroid decodes twice as far: D jumps from 1 to 2 at the border.
    xs = torch.linspace(0, 4, 9)
    surface = torch.where(xs <= 2, xs / 2, (4 - xs)).repeat(3, 1)
    basins = (xs > 2).long().repeat(3, 1)
    m = surface_metrics(surface, basins, jump_factor=1.5)
    assert m["max_jump_in_basin"] == pytest.approx(0.5)
    assert m["max_jump_at_border"] == pytest.approx(1.5 - 1.0)  # D(2) = 1, D(2.5) = 1.5
    assert m["discontinuous_borders"] == 0  # 0.5 is not above 1.5 x 0.5
    steep = torch.where(xs <= 2, xs / 8, (4 - xs)).repeat(3, 1)
    m = surface_metrics(steep, basins, jump_factor=1.5)
    assert m["discontinuous_borders"] == 1
    assert m["border_asymmetry"] == pytest.approx((1.5 - 0.25) / 1.5)
