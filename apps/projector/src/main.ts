import { runMain } from '@baseliner/platform';
import { ProjectorAppModule } from './projector-app.module';

runMain((platform) => ProjectorAppModule.forRoot(platform));
