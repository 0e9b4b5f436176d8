// plotly.js-dist-min is the prebuilt Plotly bundle; its API is the one @types/plotly.js describes.
declare module 'plotly.js-dist-min' {
  import * as Plotly from 'plotly.js';
  export default Plotly;
}
