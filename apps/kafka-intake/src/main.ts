import { runMain } from '@baseliner/platform';
import { KafkaIntakeAppModule } from './kafka-intake-app.module';

runMain((platform) => KafkaIntakeAppModule.forRoot(platform));
