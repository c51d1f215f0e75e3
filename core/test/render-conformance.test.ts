import { DefaultRenderer } from '../src/render/index.js';
import { describeRendererConformance } from '../src/testing/renderer-conformance.js';

describeRendererConformance({ name: 'DefaultRenderer', create: () => new DefaultRenderer() });
