/** A failed channel call as the renderer sees it: a catalogue code and a readable message. */
export class ChannelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}
