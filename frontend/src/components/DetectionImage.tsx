// An image with the objects a detector found drawn over it (solid boxes and centroid dots) and the
// labelled boxes (dashed), placed in percent so they fit the image at any displayed size.
import { client } from '../client/client.gen';
import {
  type DetectedObject,
  type DetectionBox,
  objectCounts,
  overlayMarks,
} from '../lib/detection';

interface DetectionImageProps {
  projectId: number;
  sampleId: number;
  alt: string;
  objects: readonly DetectedObject[];
  boxes: readonly DetectionBox[];
  inputSize: readonly [number, number];
  labels: readonly string[];
}

export function DetectionImage({
  projectId,
  sampleId,
  alt,
  objects,
  boxes,
  inputSize,
  labels,
}: DetectionImageProps) {
  const marks = overlayMarks(objects, boxes, inputSize, labels);
  return (
    <figure className="detection-figure">
      <div className="detection-image" data-testid="detection-image">
        <img
          className="sample-image"
          alt={alt}
          src={client.buildUrl({
            url: '/api/projects/{project_id}/samples/{sample_id}/image',
            path: { project_id: projectId, sample_id: sampleId },
          })}
        />
        {marks.map((mark, index) => (
          <div
            key={index}
            className={`detection-mark detection-${mark.kind}`}
            data-testid={`detection-${mark.kind}`}
            title={mark.title}
            style={{
              left: `${mark.left}%`,
              top: `${mark.top}%`,
              width: `${mark.width}%`,
              height: `${mark.height}%`,
              borderColor: mark.color,
            }}
          >
            {mark.kind === 'object' && (
              <>
                <span className="detection-label" style={{ background: mark.color }}>
                  {mark.title}
                </span>
                <span className="detection-dot" style={{ background: mark.color }} />
              </>
            )}
          </div>
        ))}
      </div>
      <figcaption className="muted">
        Found: {objectCounts(objects)} · labelled: {objectCounts(boxes)} (solid: found, dot: its
        centroid; dashed: labelled)
      </figcaption>
    </figure>
  );
}
