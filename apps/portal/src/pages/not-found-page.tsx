import { Link } from '../router/router.js';
import { PageTitle } from '../components/page-title.js';

export function NotFoundPage() {
  return (
    <section>
      <PageTitle title="Not found">No such page</PageTitle>
      <p>
        This address is not a page of the portal. Go to the <Link to="/">dashboard</Link>.
      </p>
    </section>
  );
}
