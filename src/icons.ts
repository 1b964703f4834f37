import { LabIcon } from '@jupyterlab/ui-components';

import flowSvgstr from '../style/icons/flow.svg';

export const flowIcon = new LabIcon({
  name: 'jupyterlab-continuum:flow',
  svgstr: flowSvgstr
});
