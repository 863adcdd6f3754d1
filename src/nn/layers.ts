import type { Rng } from '../tensor/rng.js';
import { conv2d, linear, type DType, type Tensor } from '../tensor/index.js';
import { Module, uniformParam } from './module.js';

export interface InitOptions {
  rng: Rng;
  dtype?: DType;
  backend?: string;
}

// PyTorch's default initialisation (kaiming_uniform with a = sqrt 5) reduces to
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases alike.
function init(shape: number[], fanIn: number, o: InitOptions): Tensor {
  return uniformParam(shape, 1 / Math.sqrt(fanIn), (v, lo, hi) => o.rng.fillUniform(v, lo, hi), o.dtype ?? 'float32', o.backend);
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(
    cin: number,
    cout: number,
    readonly kernel: number,
    readonly padding: number,
    o: InitOptions,
  ) {
    super();
    const fanIn = cin * kernel * kernel;
    this.weight = this.param('weight', init([cout, cin, kernel, kernel], fanIn, o));
    this.bias = this.param('bias', init([cout], fanIn, o));
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { padding: this.padding });
  }
  /** relu(forward(x)) as one op: the activation is applied as the output is written. */
  forwardRelu(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { padding: this.padding, relu: true });
  }
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(fin: number, fout: number, o: InitOptions) {
    super();
    this.weight = this.param('weight', init([fout, fin], fin, o));
    this.bias = this.param('bias', init([fout], fin, o));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** A child list named "0", "1", ... like nn.Sequential; parameter-free stages keep their index. */
export class Sequential extends Module {
  constructor(stages: (Module | null)[]) {
    super();
    stages.forEach((m, i) => m && this.child(String(i), m));
  }
}
