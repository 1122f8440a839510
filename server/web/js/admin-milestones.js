// The editors' follow-up of the funded projects (GET …/implementation, POST
// and PUT …/implementation/B/P/milestones…): per funded project its stage,
// progress and milestones, a milestone added or edited (status, date,
// progress, notes in each of the process's languages, photos). Recorded once
// the results are published; a milestone is never deleted (the public may
// have read it): one that will not happen is set "cancelled".
import { LANGUAGES, currentLang, errorText, focusView, formatNumber, h, has, t } from './common.js';
import { photo } from './ballot.js';

const STATUSES = ['planned', 'in_progress', 'done', 'cancelled'];
const PHOTOS_MAX = 6;  // as the server (implementation.h)

const day = (date) => (date
  ? new Intl.DateTimeFormat(currentLang(), { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`)) : '');
const localText = (o, key) => o?.translations?.[currentLang()]?.[key] || o?.[key] || '';

// `upload(file)` sends a picture ({ok, data: {image}} or {ok: false, error: {text}}).
export function milestonesPanel({ slug, def, state, call, upload }) {
  const path = `/processes/${encodeURIComponent(slug)}/implementation`;
  const languages = def.languages?.length ? def.languages : ['en'];
  const status = h('p', { class: 'notice', role: 'status', id: 'milestones-status', hidden: true, tabindex: -1 });
  const list = h('div', { id: 'milestone-projects' });
  const published = state === 'published';
  const element = h('section', { class: 'card no-print', 'aria-labelledby': 'milestones-h', id: 'milestones-panel' },
    h('h2', { id: 'milestones-h' }, t('admin.milestones.title')),
    h('p', { class: 'hint' }, t(published ? 'admin.milestones.help' : 'admin.milestones.not_published')),
    published ? [status, list,
      h('p', {}, h('a', { href: `/progress/${encodeURIComponent(slug)}`, id: 'progress-page-link' }, t('admin.milestones.public_page')))] : null);

  const refresh = async (said = '', focus = null) => {
    if (!published) return;
    const r = await call('GET', path);
    if (!r.ok) {
      list.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(r.error)));
      return;
    }
    list.replaceChildren(...(r.data.projects.length ? r.data.projects.map(projectCard) : [h('p', {}, t('admin.milestones.none_funded'))]));
    status.hidden = !said;
    status.textContent = said;
    if (focus) focusView(document.getElementById(focus) || status);
  };

  function projectCard(p) {
    const id = `ms-${p.budget}-${p.project}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const name = localText(p, 'name');
    return h('div', { class: 'milestone-project', id, 'data-project': p.project },
      h('h3', { id: `${id}-h` }, name),
      h('p', {}, h('span', { class: `badge stage-${p.stage}` }, t(`progress.stage_${p.stage}`)), ' ',
        t('admin.milestones.progress_is', { n: formatNumber(p.progress) })),
      p.milestones.length
        ? h('ol', { class: 'milestone-admin', id: `${id}-list` }, p.milestones.map((m) => h('li', { 'data-milestone': m.id },
          h('strong', {}, localText(m, 'title')), h('br'),
          h('span', { class: `badge status-${m.status}` }, t(`progress.status_${m.status}`)), ' ',
          h('time', { datetime: m.date }, day(m.date)), ' · ', `${formatNumber(m.progress)}%`,
          milestoneForm(p, m, `${id}-m${m.id}`))))
        : h('p', { class: 'hint' }, t('progress.none_yet')),
      milestoneForm(p, null, `${id}-new`));
  }

  // Adds (`m` null) or edits a milestone; the body holds only what the form shows.
  function milestoneForm(p, m, id) {
    const model = { photos: [...(m?.photos || [])] };
    const out = h('p', { class: 'error', role: 'alert', id: `${id}-error` });
    const fields = {};
    const field = (key, label, control, hint) => {
      const fieldError = h('p', { class: 'error', id: `${id}-${key}-error` });
      control.setAttribute('aria-describedby', `${hint ? `${control.id}-hint ` : ''}${id}-${key}-error`);
      fields[key] = { control, fieldError };
      return h('div', { class: 'field' }, h('label', { for: control.id }, label),
        hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null, control, fieldError);
    };
    const labelled = (label, code) => (languages.length > 1 ? t('admin.texts.label', { label, language: LANGUAGES[code] || code }) : label);
    const textFields = languages.map((code, i) => {
      const own = i === 0 ? m : m?.translations?.[code];
      const prefix = i === 0 ? '' : `translations.${code}.`;
      return [
        field(`${prefix}title`, labelled(t('admin.milestones.field_title'), code),
          h('input', { type: 'text', id: `${id}-title-${code}`, maxlength: 200, value: own?.title || '', lang: code })),
        field(`${prefix}notes`, labelled(t('admin.milestones.field_notes'), code),
          h('textarea', { id: `${id}-notes-${code}`, rows: 3, maxlength: 4000, lang: code }, own?.notes || '')),
      ];
    });
    const statusSelect = h('select', { id: `${id}-status` },
      STATUSES.map((s) => h('option', { value: s, selected: (m?.status || 'planned') === s }, t(`progress.status_${s}`))));
    const date = h('input', { type: 'date', id: `${id}-date`, value: m?.date || '' });
    const progress = h('input', { type: 'number', id: `${id}-progress`, min: 0, max: 100, step: 1, value: m ? m.progress : 0 });
    const photos = h('div', { id: `${id}-photos`, 'aria-live': 'polite' });
    const drawPhotos = () => photos.replaceChildren(...model.photos.map((image, i) => h('div', { class: 'milestone-photo' }, photo(image),
      h('button', { type: 'button', class: 'btn secondary small', id: `${id}-photo-${i}-remove`, onclick: () => {
        model.photos.splice(i, 1);
        drawPhotos();
      } }, t('admin.texts.photo_remove')))));
    drawPhotos();
    const file = h('input', { type: 'file', id: `${id}-photo`, class: 'file-input', accept: 'image/jpeg,image/png,image/webp', onchange: async (e) => {
      const chosen = e.target.files?.[0];
      e.target.value = '';
      if (!chosen) return;
      fields.photos.fieldError.textContent = '';
      if (model.photos.length >= PHOTOS_MAX) return void (fields.photos.fieldError.textContent = t('admin.milestones.error.photos'));
      fields.photos.fieldError.textContent = t('admin.texts.uploading');
      const r = await upload(chosen);
      fields.photos.fieldError.textContent = r.ok ? '' : r.error.text || r.error.message;
      if (!r.ok) return;
      model.photos.push(r.data.image);
      drawPhotos();
    } });
    const photoField = field('photos', t('admin.milestones.field_photos'), file, t('admin.texts.photo_hint'));
    file.after(h('label', { for: file.id, class: 'btn secondary small', id: `${id}-photo-choose` }, t('admin.texts.photo_choose')), photos);

    const submit = async (e) => {
      e.preventDefault();
      out.textContent = '';
      for (const f of Object.values(fields)) if (f.control.type !== 'file') f.fieldError.textContent = '';
      const body = { title: fields.title.control.value.trim(), status: statusSelect.value, date: date.value,
        notes: fields.notes.control.value, photos: model.photos };
      // A done milestone is at 100 percent: the server fills it in.
      if (statusSelect.value !== 'done') body.progress = progress.value === '' ? 0 : Number(progress.value);
      const translations = {};
      for (const code of languages.slice(1)) {
        const title = fields[`translations.${code}.title`].control.value.trim();
        const notes = fields[`translations.${code}.notes`].control.value;
        if (title || notes) translations[code] = { ...(title ? { title } : {}), ...(notes ? { notes } : {}) };
      }
      if (languages.length > 1) body.translations = translations;
      const route = `${path}/${encodeURIComponent(p.budget)}/${encodeURIComponent(p.project)}/milestones${m ? `/${m.id}` : ''}`;
      const r = await call(m ? 'PUT' : 'POST', route, { body });
      if (!r.ok) {
        const key = (r.error.field || '').replace(/\[\d+\].*$/, '');
        const at = fields[key];
        const own = `admin.milestones.error.${key.replace(/^translations\.[a-z]+\./, '')}`;
        const text = r.error.code === 'invalid_definition' && has(own) ? t(own) : errorText(r.error);
        if (at) {
          at.fieldError.textContent = text;
          at.control.focus();
        } else {
          out.textContent = text;
        }
        return;
      }
      const title = localText(r.data, 'title');
      await refresh(t(m ? 'admin.milestones.saved' : 'admin.milestones.added', { title }), 'milestones-status');
    };
    return h('details', { class: 'subform', id: `${id}-details` },
      h('summary', {}, t(m ? 'admin.milestones.edit' : 'admin.milestones.add')),
      h('form', { id: `${id}-form`, novalidate: true, onsubmit: submit },
        textFields[0],
        field('status', t('admin.milestones.field_status'), statusSelect),
        field('date', t('admin.milestones.field_date'), date),
        field('progress', t('admin.milestones.field_progress'), progress, t('admin.milestones.progress_hint')),
        textFields.slice(1),
        photoField, out,
        h('button', { type: 'submit', class: 'btn', id: `${id}-save` }, t(m ? 'admin.milestones.save' : 'admin.milestones.add_button'))));
  }

  return { element, refresh };
}
