import { EventCodec } from '@baseliner/event-store';
import { STORED_EVENT_UPCASTERS, STORED_EVENT_VERSIONS } from '@baseliner/domain';

/** The codec every reader of the log uses: the domain's versions and upcasters. */
export const storedEventCodec = new EventCodec(STORED_EVENT_VERSIONS, STORED_EVENT_UPCASTERS);
