import { runMain } from '@baseliner/platform';
import { IntakeAppModule } from './intake-app.module';

runMain((platform) => IntakeAppModule.forRoot(platform));
