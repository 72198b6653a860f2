"""N-body: the planets' orbits (the Computer Language Benchmarks Game's model), floats and tuples.
Argument: steps. Prints the energy before and after."""
import sys

PI = 3.14159265358979323
SOLAR_MASS = 4 * PI * PI
DAYS = 365.24

BODIES = [
    ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS),
    ([4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
     [1.66007664274403694e-03 * DAYS, 7.69901118419740425e-03 * DAYS, -6.90460016972063023e-05 * DAYS],
     9.54791938424326609e-04 * SOLAR_MASS),
    ([8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
     [-2.76742510726862411e-03 * DAYS, 4.99852801234917238e-03 * DAYS, 2.30417297573763929e-05 * DAYS],
     2.85885980666130812e-04 * SOLAR_MASS),
    ([1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
     [2.96460137564761618e-03 * DAYS, 2.37847173959480950e-03 * DAYS, -2.96589568540237556e-05 * DAYS],
     4.36624404335156298e-05 * SOLAR_MASS),
    ([1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
     [2.68067772490389322e-03 * DAYS, 1.62824170038242295e-03 * DAYS, -9.51592254519715870e-05 * DAYS],
     5.15138902046611451e-05 * SOLAR_MASS),
]
PAIRS = [(BODIES[i], BODIES[j]) for i in range(len(BODIES)) for j in range(i + 1, len(BODIES))]


def advance(dt, steps):
    for _ in range(steps):
        for ((x1, y1, z1), v1, m1), ((x2, y2, z2), v2, m2) in PAIRS:
            dx, dy, dz = x1 - x2, y1 - y2, z1 - z2
            mag = dt * ((dx * dx + dy * dy + dz * dz) ** -1.5)
            b1 = m1 * mag
            b2 = m2 * mag
            v1[0] -= dx * b2
            v1[1] -= dy * b2
            v1[2] -= dz * b2
            v2[0] += dx * b1
            v2[1] += dy * b1
            v2[2] += dz * b1
        for r, (vx, vy, vz), m in BODIES:
            r[0] += dt * vx
            r[1] += dt * vy
            r[2] += dt * vz


def energy():
    e = 0.0
    for ((x1, y1, z1), v1, m1), ((x2, y2, z2), v2, m2) in PAIRS:
        dx, dy, dz = x1 - x2, y1 - y2, z1 - z2
        e -= (m1 * m2) / ((dx * dx + dy * dy + dz * dz) ** 0.5)
    for r, (vx, vy, vz), m in BODIES:
        e += m * (vx * vx + vy * vy + vz * vz) / 2.0
    return e


def offset_momentum():
    px = py = pz = 0.0
    for r, (vx, vy, vz), m in BODIES:
        px -= vx * m
        py -= vy * m
        pz -= vz * m
    v = BODIES[0][1]
    v[0], v[1], v[2] = px / SOLAR_MASS, py / SOLAR_MASS, pz / SOLAR_MASS


if __name__ == "__main__":
    offset_momentum()
    before = energy()
    advance(0.01, int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
    print("nbody %.9f %.9f" % (before, energy()))
